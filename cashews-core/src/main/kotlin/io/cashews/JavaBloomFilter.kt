package io.cashews

import io.cashews.java.awaitReturned
import io.cashews.java.javaFuture
import kotlinx.coroutines.CoroutineScope
import java.util.concurrent.CompletableFuture
import java.util.function.Supplier

/** A [BloomFilter] for Java callers: the same filter, with futures. Made by [JavaCache.bloom]. */
public class JavaBloomFilter internal constructor(
    /** The filter behind this facade. */
    public val filter: BloomFilter,
    private val scope: CoroutineScope,
) {
    /** Adds [element]. */
    public fun add(element: String): CompletableFuture<Void?> =
        scope.javaFuture {
            filter.add(element)
            null
        }

    /** `false` when [element] was certainly never added; `true` when it probably was. */
    public fun mightContain(element: String): CompletableFuture<Boolean> =
        scope.javaFuture { filter.mightContain(element) }

    /** [BloomFilter.check]: `false` at once for an element never added, else [check]'s answer. */
    public fun check(element: String, check: Supplier<CompletableFuture<Boolean>>): CompletableFuture<Boolean> =
        scope.javaFuture { filter.check(element) { check.get().awaitReturned("the check") } }
}

/** A [DualBloomFilter] for Java callers. Made by [JavaCache.dualBloom]. */
public class JavaDualBloomFilter internal constructor(
    /** The filters behind this facade. */
    public val filter: DualBloomFilter,
    private val scope: CoroutineScope,
) {
    /** [DualBloomFilter.check]: [check]'s answer for [element], from the filters when they know it. */
    public fun check(element: String, check: Supplier<CompletableFuture<Boolean>>): CompletableFuture<Boolean> =
        scope.javaFuture { filter.check(element) { check.get().awaitReturned("the check") } }
}

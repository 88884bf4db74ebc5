package io.cashews.java

import io.cashews.CachedFunctionInfo
import io.cashews.StrategyPolicy
import io.cashews.internal.value.NotNow
import io.cashews.warmUp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.future.await
import java.util.concurrent.CompletableFuture
import java.util.function.Function

/**
 * What the Java function handles share: a Kotlin [io.cashews.CachedFunction] and the scope its futures run in.
 *
 * A call answers an in-memory hit before it returns (a completed future, or the value itself from the blocking
 * form), with no coroutine and no thread hop; anything else runs the handle's strategy in a coroutine started on the
 * calling thread, which resumes on the scope's dispatcher once it has to wait.
 *
 * Hits of an unchanged in-memory entry share one completed future, so a hit allocates nothing (except on a memory
 * backend with soft values or an idle TTL, which keeps nothing for its entries): it refuses `obtrudeValue` and
 * `obtrudeException` (`copy()` gives a future of your own).
 */
public sealed class JavaHandle<T>(
    internal val handle: io.cashews.CachedFunction<T>,
    internal val scope: CoroutineScope,
) {
    /** The policy the handle was bound with: its strategy's settings, see [StrategyPolicy.parameters]. */
    public val policy: StrategyPolicy get() = handle.policy

    /** Deletes every value the handle stored (every key its template can render); completes with how many. */
    public fun clear(): CompletableFuture<Long> = future { handle.clear() }

    /** Hits, misses, loads and size of the handle, as [io.cashews.CachedFunction.info]. */
    public fun info(): CompletableFuture<CachedFunctionInfo> = future { handle.info() }

    /** Removes the expired entries its backend keeps until the next sweep, as [io.cashews.CachedFunction.removeExpired]. */
    public fun removeExpired(): CompletableFuture<Long> = future { handle.removeExpired() }

    internal fun applyArgs(a: Any?, b: Any?, c: Any?): CompletableFuture<T> {
        // A hit's future is shared by the hits of the same value (see SharedCompletedFuture): none allocated per hit.
        @Suppress("UNCHECKED_CAST")
        handle.hitFutureNow(a, b, c)?.let { return it as CompletableFuture<T> }
        return future { handle.call(a, b, c) }
    }

    internal fun applyBlockingArgs(a: Any?, b: Any?, c: Any?): T {
        val now = handle.hitNow(a, b, c)
        @Suppress("UNCHECKED_CAST")
        if (now !== NotNow) return now as T
        return javaBlocking { handle.call(a, b, c) }
    }

    internal fun invalidateArgs(a: Any?, b: Any?, c: Any?, stale: Boolean = false): CompletableFuture<Boolean> =
        future { handle.invalidateArgs(a, b, c, stale) }

    internal fun <R> future(block: suspend () -> R): CompletableFuture<R> = scope.javaFuture { block() }

    internal fun peekArgs(a: Any?, b: Any?, c: Any?): CompletableFuture<T?> = future { handle.peekArgs(a, b, c) }

    /** Tells [listener] the events of this handle's own keys; close the answer to stop (see the Kotlin `listen`). */
    public fun listen(listener: io.cashews.CacheEventListener): AutoCloseable = handle.listen(listener)

    override fun toString(): String = "${javaClass.simpleName}(${handle.key.template}, ${handle.policy.strategy})"
}

/** A function handle of no arguments, from Java: `CachedSupplier<Rates> rates = jc.cached(Rates.class)…build(…)`. */
public class CachedSupplier<T> internal constructor(
    handle: io.cashews.CachedFunction<T>,
    scope: CoroutineScope,
) : JavaHandle<T>(handle, scope) {
    /** The cached value, loaded when missing. */
    public fun get(): CompletableFuture<T> = applyArgs(null, null, null)

    /** [get], blocking the calling thread (a virtual thread parks); interruption cancels the call. */
    public fun getBlocking(): T = applyBlockingArgs(null, null, null)

    /** Deletes the stored value; completes with whether there was one. */
    public fun invalidate(): CompletableFuture<Boolean> = invalidateArgs(null, null, null)

    /** The stored value without loading it; completes with `null` when none is. */
    public fun peek(): CompletableFuture<T?> = peekArgs(null, null, null)

    /** [invalidate] marking the value stale instead (see [io.cashews.Cache.markStale]) when [stale]. */
    public fun invalidate(stale: Boolean): CompletableFuture<Boolean> = invalidateArgs(null, null, null, stale)
}

/**
 * A function handle of one argument, from Java:
 * `CachedFunction<Long, User> userById = jc.cached(User.class).ttl("3h").key("user:{id}").build(repo::loadAsync);`
 * then `userById.apply(42L)`.
 */
public class CachedFunction<A, T> internal constructor(
    handle: io.cashews.CachedFunction<T>,
    scope: CoroutineScope,
) : JavaHandle<T>(handle, scope) {
    /** The cached value for [a], loaded when missing. */
    public fun apply(a: A): CompletableFuture<T> = applyArgs(a, null, null)

    /** [apply], blocking the calling thread (a virtual thread parks); interruption cancels the call. */
    public fun applyBlocking(a: A): T = applyBlockingArgs(a, null, null)

    /** Deletes the value stored for [a] and what its strategy keeps beside it; completes with whether there was one. */
    public fun invalidate(a: A): CompletableFuture<Boolean> = invalidateArgs(a, null, null)

    /** The value stored for [a] without loading it; completes with `null` when none is. */
    public fun peek(a: A): CompletableFuture<T?> = peekArgs(a, null, null)

    /** [invalidate] marking the value stale instead (see [io.cashews.Cache.markStale]) when [stale]. */
    public fun invalidate(a: A, stale: Boolean): CompletableFuture<Boolean> = invalidateArgs(a, null, null, stale)

    /**
     * The values for many arguments at once, as the Kotlin handle's `getAll`: the cached ones from one read, the others
     * from one call of the bulk loader ([withBulkLoader]; without one, from the handle's function).
     */
    public fun getAll(args: Collection<A>): CompletableFuture<Map<A, T>> = future { kotlinHandle.getAll(args) }

    /** Warms the handle with [args] (see the Kotlin handle's `warmUp`); completes with what it did. */
    @JvmOverloads
    public fun warmUp(
        args: Collection<A>,
        concurrency: Int = io.cashews.WarmUps.DEFAULT_CONCURRENCY,
        batchSize: Int = io.cashews.WarmUps.DEFAULT_BATCH,
    ): CompletableFuture<io.cashews.WarmUpReport> = future { kotlinHandle.warmUp(args, concurrency, batchSize) }

    /** [getAll], blocking the calling thread (a virtual thread parks); interruption cancels the call. */
    public fun getAllBlocking(args: Collection<A>): Map<A, T> = javaBlocking { kotlinHandle.getAll(args) }

    /**
     * This handle with [loadAll] as its bulk loader: it gets the arguments that missed and completes with the values
     * it found. With [coalesce], calls that miss together are answered by one [getAll] (see the Kotlin
     * `withBulkLoader`).
     */
    @JvmOverloads
    public fun withBulkLoader(
        loadAll: Function<List<A>, CompletableFuture<Map<A, T>>>,
        coalesce: Boolean = false,
    ): CachedFunction<A, T> =
        CachedFunction(kotlinHandle.withBulkLoader(coalesce) { args -> loadAll.apply(args).await() }, scope)

    @Suppress("UNCHECKED_CAST")
    private val kotlinHandle: io.cashews.CachedFunction1<A, T> get() = handle as io.cashews.CachedFunction1<A, T>
}

/** A function handle of two arguments, from Java: `page.apply("site", 42L)` with key `"page:{site}:{id}"`. */
public class CachedBiFunction<A, B, T> internal constructor(
    handle: io.cashews.CachedFunction<T>,
    scope: CoroutineScope,
) : JavaHandle<T>(handle, scope) {
    /** The cached value for [a] and [b], loaded when missing. */
    public fun apply(a: A, b: B): CompletableFuture<T> = applyArgs(a, b, null)

    /** [apply], blocking the calling thread (a virtual thread parks); interruption cancels the call. */
    public fun applyBlocking(a: A, b: B): T = applyBlockingArgs(a, b, null)

    /** Deletes the value stored for [a] and [b]; completes with whether there was one. */
    public fun invalidate(a: A, b: B): CompletableFuture<Boolean> = invalidateArgs(a, b, null)

    /** The value stored for [a] and [b] without loading it; completes with `null` when none is. */
    public fun peek(a: A, b: B): CompletableFuture<T?> = peekArgs(a, b, null)

    /** [invalidate] marking the value stale instead (see [io.cashews.Cache.markStale]) when [stale]. */
    public fun invalidate(a: A, b: B, stale: Boolean): CompletableFuture<Boolean> = invalidateArgs(a, b, null, stale)
}

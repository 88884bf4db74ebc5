@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.InternalCacheApi
import io.cashews.SoftPolicy
import io.cashews.StrategyKeys
import io.cashews.Ttl
import kotlinx.coroutines.CoroutineScope
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/** The `soft` strategy from Java ([SoftPolicy]): recomputes after [softTtl], serving stale values on failure. */
public class SoftBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, SoftBuilder<T>>(cache, scope, type) {
    private var softTtl: Duration? = null
    private var exceptions: Set<KClass<out Throwable>> = setOf(Exception::class)

    /** When a value is recomputed; until the TTL, a failed recompute serves it. A third of the TTL by default. */
    public fun softTtl(
        softTtl: java.time.Duration,
    ): SoftBuilder<T> = apply { this.softTtl = softTtl.toKotlinDuration() }

    /** [softTtl] in the [Ttl] grammar. */
    public fun softTtl(softTtl: String): SoftBuilder<T> = apply { this.softTtl = Ttl.parse(softTtl) }

    /** The failures that serve the stale value ([Exception] by default); others propagate. */
    @SafeVarargs
    public fun exceptions(vararg exceptions: Class<out Throwable>): SoftBuilder<T> =
        apply { this.exceptions = exceptionSet(exceptions) }

    override fun policy(): SoftPolicy =
        SoftPolicy(
            requireTtl(),
            template(),
            softTtl,
            exceptions,
            condition,
            prefix ?: StrategyKeys.SOFT_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
        )
}

@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.FailoverPolicy
import io.cashews.InternalCacheApi
import io.cashews.StrategyKeys
import kotlinx.coroutines.CoroutineScope
import kotlin.reflect.KClass

/** The `failover` strategy from Java ([FailoverPolicy]): loads every time, falls back to the last good value. */
public class FailoverBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, FailoverBuilder<T>>(cache, scope, type) {
    private var exceptions: Set<KClass<out Throwable>> = setOf(Exception::class)

    /** The failures that serve the last good value ([Exception] by default); others propagate. */
    @SafeVarargs
    public fun exceptions(vararg exceptions: Class<out Throwable>): FailoverBuilder<T> =
        apply { this.exceptions = exceptionSet(exceptions) }

    override fun policy(): FailoverPolicy =
        FailoverPolicy(
            requireTtl(),
            template(),
            exceptions,
            condition,
            prefix ?: StrategyKeys.FAILOVER_PREFIX,
            tags,
            retry,
            timeCondition,
            jitter,
            upper,
        )
}

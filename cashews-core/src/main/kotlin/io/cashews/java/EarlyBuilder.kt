@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.EarlyPolicy
import io.cashews.InternalCacheApi
import io.cashews.StrategyKeys
import io.cashews.Ttl
import kotlinx.coroutines.CoroutineScope
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/** The `early` strategy from Java ([EarlyPolicy]): refreshes in the background after [earlyTtl]. */
public class EarlyBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, EarlyBuilder<T>>(cache, scope, type) {
    private var earlyTtl: Duration? = null

    /** When a value is refreshed in the background while still served; a third of the TTL by default. */
    public fun earlyTtl(earlyTtl: java.time.Duration): EarlyBuilder<T> =
        apply { this.earlyTtl = earlyTtl.toKotlinDuration() }

    /** [earlyTtl] in the [Ttl] grammar. */
    public fun earlyTtl(earlyTtl: String): EarlyBuilder<T> = apply { this.earlyTtl = Ttl.parse(earlyTtl) }

    override fun policy(): EarlyPolicy =
        EarlyPolicy(
            requireTtl(),
            template(),
            earlyTtl,
            condition,
            prefix ?: StrategyKeys.EARLY_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
        )
}

@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.HitPolicy
import io.cashews.InternalCacheApi
import io.cashews.StrategyKeys
import io.cashews.TtlRule
import kotlinx.coroutines.CoroutineScope

/**
 * The `hit` strategy from Java ([HitPolicy]): serves a value [cacheHits] times, refreshing it in the background at
 * hit [updateAfter]. `jc.dynamic(type)` starts one with `dynamic`'s settings (TTL 1 day, 3 hits, refresh after 1).
 */
public class HitBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, HitBuilder<T>>(cache, scope, type) {
    private var cacheHits: Int? = null
    private var updateAfter: Int = 0

    /** How many times a value is served before it is loaded again. */
    public fun cacheHits(cacheHits: Int): HitBuilder<T> = apply { this.cacheHits = cacheHits }

    /** The hit at which a background refresh starts (0: none). */
    public fun updateAfter(updateAfter: Int): HitBuilder<T> = apply { this.updateAfter = updateAfter }

    internal fun dynamicDefaults(): HitBuilder<T> =
        apply {
            val defaults = HitPolicy.dynamic()
            ttl = (defaults.ttl as TtlRule.Fixed).ttl
            cacheHits = defaults.cacheHits
            updateAfter = defaults.updateAfter
            prefix = defaults.prefix
        }

    override fun policy(): HitPolicy =
        HitPolicy(
            requireTtl(),
            cacheHits ?: throw IllegalStateException("no cacheHits set for the HitBuilder: call cacheHits(...) first"),
            template(),
            updateAfter,
            condition,
            prefix ?: StrategyKeys.HIT_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
        )
}

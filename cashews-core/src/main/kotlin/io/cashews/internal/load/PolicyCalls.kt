package io.cashews.internal.load

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.LockedPolicy
import io.cashews.StrategyPolicy
import io.cashews.ValueType

/**
 * One call of [policy] for [key] (the storage key, prefix applied): the dispatch every face shares, so Kotlin's
 * [io.cashews.withPolicy], function handles and Java's `StrategyCalls` (and through them Spring's annotations) run a
 * strategy the same way. [found] is what the caller's own look at [key] found ([io.cashews.internal.value.NotNow]
 * when it has not looked), for `cached`.
 */
internal suspend fun <T> Cache.runPolicy(
    policy: StrategyPolicy,
    key: String,
    type: () -> ValueType,
    found: Any?,
    call: HandleCall,
    block: suspend () -> T,
): T =
    when (policy) {
        is CachedPolicy -> {
            loadCached(policy, key, type, found, call, block)
        }

        is CachingPolicy -> {
            execute(policy, key, type, call, block)
        }

        is LockedPolicy -> {
            call.counters?.misses?.increment()
            lock(key, policy.ttl, policy.wait, policy.waitTimeout, whenUnavailable = policy.whenUnavailable) {
                call.counters?.loads?.increment()
                block()
            }
        }
    }

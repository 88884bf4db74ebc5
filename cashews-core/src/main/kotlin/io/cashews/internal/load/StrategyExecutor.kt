@file:OptIn(InternalCacheApi::class)

package io.cashews.internal.load

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.EarlyPolicy
import io.cashews.FailoverPolicy
import io.cashews.HitPolicy
import io.cashews.InternalCacheApi
import io.cashews.LockBackend
import io.cashews.SoftPolicy
import io.cashews.StrategyDecision
import io.cashews.StrategyKeys
import io.cashews.ValueType
import io.cashews.internal.route.capability
import io.cashews.internal.value.NotNow
import kotlinx.coroutines.CancellationException
import java.util.UUID
import kotlin.reflect.KClass

/**
 * The one executor of every caching strategy: reads what [policy] needs to decide (the value, its freshness marker,
 * its hit count), asks the policy ([CachingPolicy.decide]), and carries the decision out for [key] (the storage
 * key, prefix applied). [block] loads the value as a [type].
 */
internal suspend fun <T> Cache.execute(
    policy: CachingPolicy,
    key: String,
    type: () -> ValueType,
    call: HandleCall? = null,
    block: suspend () -> T,
): T {
    if (policy is CachedPolicy) return loadCached(policy, key, type, NotNow, call, block)
    if (policy is FailoverPolicy) return failover(policy, key, type, call, block)
    // The key's route, resolved once for the whole call.
    val route = routing.route(key)
    val stored = cachedOrNull<T>(key, type, policy.condition, route)
    val freshKey = StrategyKeys.fresh(key)
    val hits =
        if (policy is HitPolicy) incr(StrategyKeys.counter(key), 1, policy.counterTtl) else 0
    val fresh = policy is HitPolicy || (stored != null && exists(freshKey))
    return when (policy.decide(stored != null, fresh, hits)) {
        StrategyDecision.SERVE -> {
            call?.counters?.hits?.increment()
            if (observing) observeHit(key, policy.strategy, freshKey = freshKey.takeIf { policy !is HitPolicy })
            stored!!.value
        }

        StrategyDecision.SERVE_AND_REFRESH -> {
            call?.counters?.hits?.increment()
            if (observing) observeHit(key, policy.strategy, stale = policy is EarlyPolicy)
            refresh(policy, key, type, call, block)
            stored!!.value
        }

        StrategyDecision.LOAD_OR_SERVE_STALE -> {
            call?.counters?.misses?.increment()
            if (events.reporting) events.miss(key, policy.strategy)
            sharedLoad(policy, key) { flight ->
                try {
                    compute(policy, key, flight, type, block, afterStore(policy, key), call, route)
                } catch (e: Throwable) {
                    if (stored == null || !servesStaleFor(policy, e)) throw e
                    if (observing) observeHit(key, policy.strategy, stale = true)
                    stored.value
                }
            }
        }

        StrategyDecision.LOAD, StrategyDecision.LOAD_UNDER_LOCK -> {
            call?.counters?.misses?.increment()
            if (events.reporting) events.miss(key, policy.strategy)
            sharedLoad(policy, key) { flight ->
                // Hit's value is read again only with its count, so a load is what this call needs.
                if (policy !is HitPolicy) {
                    cachedOrNull<T>(
                        key,
                        type,
                        policy.condition,
                        route,
                    )?.let { return@sharedLoad it.value }
                }
                compute(policy, key, flight, type, block, afterStore(policy, key), call, route)
            }
        }
    }
}

/** Runs [load] once for every concurrent caller of [key] when [policy] is protected, else for this caller alone. */
private suspend inline fun <T> Cache.sharedLoad(
    policy: CachingPolicy,
    key: String,
    crossinline load: suspend (SingleFlight.Flight<T>?) -> T,
): T = if (policy.protected) singleFlight.run(key) { flight -> load(flight) } else load(null)

/** Failover: every call loads; a failure named by the policy is answered with the last good result, if there is one. */
private suspend fun <T> Cache.failover(
    policy: FailoverPolicy,
    key: String,
    type: () -> ValueType,
    call: HandleCall?,
    block: suspend () -> T,
): T =
    try {
        call?.counters?.misses?.increment()
        compute(policy, key, null, type, block, call = call)
    } catch (e: Throwable) {
        if (!servesStaleFor(policy, e)) throw e
        val lastGood = cachedOrNull<T>(key, type, policy.condition) ?: throw e
        if (observing) observeHit(key, policy.strategy, stale = true)
        lastGood.value
    }

/**
 * Refreshes [key] in the background. Early's refresh is one at a time across every process sharing the backend: a
 * lease renewed while it runs and released by its token when it succeeds (after a failure it runs out, so the next
 * refresh waits for the fresh period). Hit's refresh is single-flight in this process.
 */
private suspend fun <T> Cache.refresh(
    policy: CachingPolicy,
    key: String,
    type: () -> ValueType,
    call: HandleCall?,
    block: suspend () -> T,
) {
    if (policy !is EarlyPolicy) {
        refreshInBackground(key) { loadShared(policy, key, type, block, afterStore(policy, key), call) }
        return
    }
    val refreshKey = StrategyKeys.refresh(key)
    val token = UUID.randomUUID().toString()
    if (!setLock(refreshKey, token, policy.earlyTtl)) return
    refreshInBackground(key) {
        withLease(scope, capability<LockBackend>(refreshKey, "early"), refreshKey, token, policy.earlyTtl) {
            loadShared(policy, key, type, block, afterStore(policy, key), call)
        }
        unlock(refreshKey, token)
    }
}

/** What a strategy writes beside a value it has just stored: early's and soft's freshness marker, hit's count reset. */
private fun Cache.afterStore(policy: CachingPolicy, key: String): suspend () -> Unit =
    when (policy) {
        is EarlyPolicy -> {
            { set(StrategyKeys.fresh(key), true, policy.earlyTtl) }
        }

        is SoftPolicy -> {
            { set(StrategyKeys.fresh(key), true, policy.softTtl) }
        }

        is HitPolicy -> {
            { delete(StrategyKeys.counter(key)) }
        }

        else -> {
            {}
        }
    }

/**
 * Whether [error] may be answered with a stale value under [policy]: one of its exceptions (the cache's default when
 * it names none), never a cancellation.
 */
private fun Cache.servesStaleFor(policy: CachingPolicy, error: Throwable): Boolean {
    if (error is CancellationException) return false
    val exceptions: Set<KClass<out Throwable>> =
        when (policy) {
            is SoftPolicy -> policy.exceptions ?: defaultFailExceptions
            is FailoverPolicy -> policy.exceptions ?: defaultFailExceptions
            else -> emptySet()
        }
    return exceptions.any { it.isInstance(error) }
}

/**
 * The typed entry of the strategies other than `cached` (early, soft, failover, hit, dynamic): [key] as the call
 * gave it, under [policy].
 */
@PublishedApi
internal suspend fun <T> Cache.strategyLoad(
    policy: CachingPolicy,
    key: String,
    type: () -> ValueType,
    block: suspend () -> T,
): T = execute(policy, policy.storageKey(key), type, block = block)

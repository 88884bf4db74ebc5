@file:OptIn(InternalCacheApi::class)

package io.cashews.internal.load

import io.cashews.Cache
import io.cashews.CacheCondition
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.InternalCacheApi
import io.cashews.LoadedItem
import io.cashews.OutagePolicy
import io.cashews.SetCondition
import io.cashews.StrategyDecision
import io.cashews.StrategyKeys
import io.cashews.Ttl
import io.cashews.TtlRule
import io.cashews.ValueType
import io.cashews.detect
import io.cashews.internal.route.Route
import io.cashews.internal.tags.TagStamp
import io.cashews.internal.value.Marker
import io.cashews.internal.value.Miss
import io.cashews.internal.value.NotNow
import io.cashews.internal.value.StoredFailure
import io.cashews.internal.value.TypeConformance
import kotlinx.coroutines.CancellationException
import java.time.Instant
import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/*
 * The loading layer: what every strategy does once it has decided to load. Single-flight, the cluster-wide lock,
 * the load itself (retry, upper, time condition), and storing its outcome unless the key was invalidated meanwhile.
 */

/**
 * The slow path of [Cache.cached] for [key] (the storage key, prefix applied): single-flight, an optional distributed
 * lock, the load and what is stored of it.
 *
 * [found] is what the caller's own look at [key] found: [Miss], something to check again (a cached failure, a value
 * of another type), or [NotNow] when it has not looked. A caller that has not looked and [sharesReads] reads inside
 * the flight, so N concurrent callers of a key stored in Redis make one GET, not N, and a miss among them one load.
 * A caller that has not looked and does not share reads looks here first, and a hit returns at once.
 */
internal suspend fun <T> Cache.loadCached(
    policy: CachedPolicy,
    key: String,
    type: () -> ValueType,
    found: Any?,
    call: HandleCall? = null,
    block: suspend () -> T,
): T {
    // The key's route, resolved once for the whole call: every read and write below goes to it.
    val route = routing.route(key)
    route.refreshAfter?.let { after ->
        // A backend set up with refresh_after serves a value past that age while one refresh runs: early's way.
        policy.refreshingAfter(after)?.let { early -> return execute(early, key, type, call, block) }
    }
    var seen = found
    if (policy.serveStale) {
        // The key is read before its stale copy, so this caller has looked: the paths below need not look again.
        val current = if (seen === Miss) null else cachedOrNull<T>(key, type, policy.condition, route)
        if (current != null) {
            reportHit(key, call)
            return current.value
        }
        servedStale(policy, key, type, call, block, route)?.let { return it.value }
        seen = Miss
    }
    val readInFlight = seen === NotNow && sharesReads(route, policy.protected)
    if (!readInFlight) {
        // A caller that has just found the key missing does not ask the backend again.
        val cachedNow = if (seen === Miss) null else cachedOrNull<T>(key, type, policy.condition, route)
        if (cachedNow != null) {
            reportHit(key, call)
            return cachedNow.value
        }
        call?.counters?.misses?.increment()
        if (events.reporting) events.miss(key, StrategyKeys.CACHED)
    }
    val load: suspend (SingleFlight.Flight<T>?) -> T = load@{ flight ->
        // The shared read, or a second look for a caller that has looked: the previous flight may have stored the
        // value just now. A cached failure is thrown again here, before anything is loaded.
        val cachedMeanwhile = cachedOrNull<T>(key, type, policy.condition, route)
        if (cachedMeanwhile != null) return@load cachedMeanwhile.value
        if (flight != null) {
            flight.loaded = true
            // Only the caller that shared its read has not reported its miss yet.
            if (readInFlight && events.reporting) {
                events.miss(key, StrategyKeys.CACHED)
                flight.missReportedEarly()
            }
        }
        if (policy.decide(stored = false, fresh = false, hits = 0) != StrategyDecision.LOAD_UNDER_LOCK) {
            return@load compute(policy, key, flight, type, block, call = call, route = route)
        }
        // One load across processes: the lock's holder loads (renewing its lease while the load runs) while the others
        // wait for its release and read what it stored.
        val recheck: suspend () -> Found<T>? = { cachedOrNull(key, type, policy.condition, route) }
        val lockKey = StrategyKeys.lock(key)
        // A caching strategy fails open: when the backend cannot lock, the load runs (single-flight in this process).
        locks.lockOrRecheck(
            lockKey,
            lockTtl(policy.ttl),
            true,
            null,
            LOCK_RECHECK,
            true,
            OutagePolicy.FAIL_OPEN,
            recheck,
        ) {
            // Whoever held the lock before us may have stored the value since our last look.
            cachedOrNull<T>(key, type, policy.condition, route)?.value
                ?: compute(policy, key, flight, type, block, call = call, route = route)
        }
    }
    if (!policy.protected) return load(null)
    if (!readInFlight) return singleFlight.run(key) { flight -> load(flight) }
    val flight = singleFlight.await(key) { flight -> load(flight) }
    // Each caller reports what the shared read meant for it, in its own context (detect blocks are per caller). A
    // failure read from the cache is thrown again without a hit or a miss, as on the unshared path.
    val outcome = flight.outcome!!
    if (flight.loaded) {
        call?.counters?.misses?.increment()
        if (events.reporting && !flight.claimEarlyMiss()) events.miss(key, StrategyKeys.CACHED)
    } else if (outcome.isSuccess) {
        reportHit(key, call)
    }
    return outcome.getOrThrow()
}

/**
 * The stale copy of [key] ([Cache.markStale]), found missing, when there is one: it answers the call, and one
 * refresh of [key] starts in the background (single-flight with every other caller's), storing the new value and
 * dropping the copy.
 */
private suspend fun <T> Cache.servedStale(
    policy: CachedPolicy,
    key: String,
    type: () -> ValueType,
    call: HandleCall?,
    block: suspend () -> T,
    route: Route,
): Found<T>? {
    val staleKey = StrategyKeys.stale(key)
    val stale = cachedOrNull<T>(staleKey, type, policy.condition, route) ?: return null
    reportHit(key, call, stale = true)
    refreshInBackground(key) { loadShared(policy, key, type, block, { delete(staleKey) }, call) }
    return stale
}

/** Counts a `cached` hit of [key] for the handle making [call] (if any) and tells the listeners and detect blocks. */
private suspend fun Cache.reportHit(key: String, call: HandleCall?, stale: Boolean = false) {
    call?.counters?.hits?.increment()
    if (observing) observeHit(key, StrategyKeys.CACHED, stale = stale)
}

/**
 * Whether concurrent `cached` calls for [key] share one backend read as well as one load: with single-flight on, on
 * a backend that cannot answer without suspending (a read there costs a round trip or a file access, far more than
 * joining a flight) and does not coalesce its reads (the coalescer shares a batch's reads of one key already), and
 * with no context-held block (disable, transaction, invalidate-further) that could make one
 * caller's read differ from another's.
 */
internal fun Cache.sharesReads(route: Route, protected: Boolean): Boolean =
    protected && !controls.scoped && !route.readsWithoutSuspending && route.coalescedReads == null

/** How often a process waiting for another's load checks again when no release notice comes (one may be lost). */
private val LOCK_RECHECK = 100.milliseconds

/** A value found in the cache, boxed so that a cached `null` differs from a miss. */
@JvmInline
internal value class Found<T>(
    val value: T,
)

/**
 * The cached value at [key] as a [type], a miss as `null`, or the cached exception thrown again when [condition]
 * caches its type (else a stored failure is a miss: see [StoredFailure.errorFor]).
 */
internal suspend fun <T> Cache.cachedOrNull(
    key: String,
    type: () -> ValueType,
    condition: CacheCondition,
    route: Route = routing.route(key),
): Found<T>? {
    val found = values.lookup(key, type, route)
    if (found is StoredFailure) throw found.errorFor(condition) ?: return null
    if (found === Miss) return null
    @Suppress("UNCHECKED_CAST")
    return if (acceptable(found, type)) Found(found as T) else null
}

/** Whether [found] (not a [Marker]) is a readable [type]: a cached `null` for a nullable type, else an instance. */
internal fun acceptable(found: Any?, type: () -> ValueType): Boolean {
    if (found == null) return type().kotlinType?.isMarkedNullable ?: true
    return type().javaClass.isInstance(found) && TypeConformance.accepts(found, type)
}

/**
 * Runs [block] for [key] under [policy] (retry, upper, time condition) and stores what the policy's condition
 * accepts, unless [key] was invalidated while it ran; [afterStore] runs after a value is stored. Reports the load,
 * its failure and the store.
 */
internal suspend fun <T> Cache.compute(
    policy: CachingPolicy,
    key: String,
    flight: SingleFlight.Flight<T>?,
    type: () -> ValueType,
    block: suspend () -> T,
    afterStore: suspend () -> Unit = {},
    call: HandleCall? = null,
    route: Route = routing.route(key),
): T {
    val strategy = policy.strategy
    // Versions are read before the load, so a deleteTags while it runs leaves its result unreadable.
    val stamp = tagVersions.stamp(call?.tags ?: policy.tags)
    call?.counters?.loads?.increment()
    val started = timeSource.markNow()
    var innerHit = false
    val value =
        try {
            val load: suspend () -> T =
                if (!policy.upper) {
                    block
                } else {
                    {
                        val detected = detect { block() }
                        innerHit = detected.hits.isNotEmpty()
                        detected.value
                    }
                }
            val retry = policy.retry
            if (retry == null) load() else retry.run(load)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            if (events.reporting) events.loadFailure(key, strategy, e, started.elapsedNow())
            val ttl =
                if (policy.condition.storesException(e) && policy.doorKeeper?.admit(key) != false) {
                    policy.condition.exceptionTtl
                        ?: ttlFor(policy, Result.failure(e))
                } else {
                    null
                }
            if (ttl != null) {
                if (storeUnlessInvalidated(route, key, StoredFailure.of(e), ttl, flight, stamp, type) &&
                    events.reporting
                ) {
                    events.put(key, strategy)
                }
            }
            throw e
        }
    val took = started.elapsedNow()
    if (events.reporting) events.load(key, strategy, took)
    val timely = policy.timeCondition == null || took > policy.timeCondition
    val ttl =
        if (timely && !innerHit && policy.condition.storesValue(value, key) && policy.doorKeeper?.admit(key) != false) {
            ttlFor(policy, Result.success(value))
        } else {
            null
        }
    if (ttl != null) {
        val fromResult = policy.resultTags?.invoke(value)
        val fullStamp = if (fromResult.isNullOrEmpty()) stamp else withResultTags(stamp, fromResult)
        if (storeUnlessInvalidated(route, key, value, ttl, flight, fullStamp, type)) {
            if (events.reporting) events.put(key, strategy)
            afterStore()
        }
    }
    return value
}

/** [stamp] (the tags known before the load) with the versions of the tags [fromResult] computed from its result. */
internal suspend fun Cache.withResultTags(stamp: TagStamp?, fromResult: Collection<String>): TagStamp? {
    val later = tagVersions.stamp(fromResult) ?: return stamp
    return if (stamp == null) later else stamp + later
}

/**
 * Runs [block] once for all concurrent callers of [key] and stores its result: the loading step of early's refresh,
 * soft's reload and hit's load.
 */
internal suspend fun <T> Cache.loadShared(
    policy: CachingPolicy,
    key: String,
    type: () -> ValueType,
    block: suspend () -> T,
    afterStore: suspend () -> Unit,
    call: HandleCall? = null,
): T = singleFlight.run(key) { flight -> compute(policy, key, flight, type, block, afterStore, call) }

/**
 * Stores a load's outcome unless the key was invalidated while it ran. The flag is checked again after the write,
 * so a delete that lands between the check and the write still wins.
 */
private suspend fun Cache.storeUnlessInvalidated(
    route: Route,
    key: String,
    value: Any?,
    ttl: Duration,
    flight: SingleFlight.Flight<*>?,
    stamp: TagStamp?,
    type: () -> ValueType,
): Boolean {
    if (flight?.invalidated == true) return false
    values.storeStamped(route, key, value, ttl, SetCondition.ALWAYS, stamp, type)
    if (flight?.invalidated == true) {
        routing.backendOf(route).delete(key)
        return false
    }
    return true
}

/**
 * The TTL [policy] gives [outcome], shortened by the policy's jitter; `null` when the outcome is not to be stored (an
 * expiration already past, or [Expiry.Expired]).
 */
internal suspend fun Cache.ttlFor(policy: CachingPolicy, outcome: Result<Any?>): Duration? {
    val base =
        when (val rule = policy.ttl) {
            is TtlRule.Fixed -> {
                rule.ttl
            }

            is TtlRule.FromValue -> {
                Ttl.requirePositive(rule.ttl(outcome.getOrNull()))
            }

            is TtlRule.FromOutcome -> {
                Ttl.requirePositive(rule.ttl(outcome))
            }

            is TtlRule.Expires -> {
                rule.expiry.ttlAt(Instant.ofEpochMilli(epochMillis()))
            }

            is TtlRule.FromLoad -> {
                val now = Instant.ofEpochMilli(epochMillis())
                rule.expiry(LoadedItem(outcome.getOrNull(), outcome.exceptionOrNull(), now)).ttlAt(now)
            }
        } ?: return null
    val jitter = policy.jitter
    if (jitter == 0.0 || base.isInfinite()) return base
    return (base * (1 - jitter * Random.nextDouble())).coerceAtLeast(1.milliseconds)
}

/** How long the lock of a cluster-wide load is leased: the TTL, or a minute when the TTL is known only from the value. */
private fun lockTtl(ttl: TtlRule): Duration = if (ttl is TtlRule.Fixed) ttl.ttl else 1.minutes

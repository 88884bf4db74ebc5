@file:OptIn(InternalCacheApi::class)

package io.cashews.internal.load

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.InternalCacheApi
import io.cashews.StrategyKeys
import io.cashews.ValueType
import io.cashews.internal.tags.TagStamp
import io.cashews.internal.value.Marker
import io.cashews.internal.value.StoredFailure
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlin.time.Duration

/*
 * Batch loading (Caffeine's getAll with a bulk loader): one read of every key, one call of the bulk loader for the
 * misses, and per-key single-flight shared with every other batch and single-key caller.
 */

/**
 * The values of [ids] under [policy]. Each id is stored at the storage key [keyOf] gives it (prefix applied), tagged
 * with what [tagsOf] gives it (`null`: the policy's tags for every id). The hits come from one
 * [io.cashews.Backend.getMany] per route, the misses from one call of [loadAll], which is given only the ids nobody
 * else is loading at that moment (the others' loads are awaited). Answers a map in the order of [ids], without the ids
 * [loadAll] left out of its answer; everything [loadAll] answers is stored, asked for or not. A failing [loadAll]
 * stores nothing, and its exception is thrown to every caller waiting on one of its keys.
 */
internal suspend fun <K, V> Cache.loadMany(
    policy: CachedPolicy,
    ids: Collection<K>,
    keyOf: suspend (K) -> String,
    tagsOf: (suspend (K) -> Collection<String>)?,
    type: () -> ValueType,
    counters: HandleCounters?,
    loadAll: suspend (List<K>) -> Map<K, V>,
): Map<K, V> {
    val distinct = LinkedHashSet(ids).toList()
    if (distinct.isEmpty()) return emptyMap()
    val storageKeys = distinct.map { keyOf(it) }
    val found = values.lookupMany(storageKeys, type)
    val answers = arrayOfNulls<Any?>(distinct.size)
    val answered = BooleanArray(distinct.size)
    val missing = ArrayList<Int>()
    for (i in distinct.indices) {
        val value = found[i]
        val hit = value !is StoredFailure && value !is Marker && acceptable(value, type)
        if (value is StoredFailure) value.errorFor(policy.condition)?.let { throw it }
        if (hit) {
            answers[i] = value
            answered[i] = true
            counters?.hits?.increment()
            if (observing) observeHit(storageKeys[i], StrategyKeys.CACHED)
        } else {
            missing += i
            counters?.misses?.increment()
            if (events.reporting) events.miss(storageKeys[i], StrategyKeys.CACHED)
        }
    }
    if (missing.isNotEmpty()) {
        val byKey = missing.associateBy { storageKeys[it] }
        val missingKeys = missing.map { storageKeys[it] }
        val load: suspend (List<SingleFlight.Flight<Any?>>) -> Unit = { owned ->
            val ownedIds = owned.map { distinct[byKey.getValue(it.key)] }
            loadAndStore(policy, ownedIds, owned, keyOf, tagsOf, type, counters, loadAll)
        }
        // Each missing key's outcome; `null` for a key the loader left out.
        val outcomes: List<Result<Any?>?> =
            if (policy.protected) {
                singleFlight.awaitAll(missingKeys, load).map { flight ->
                    flight.outcome!!.takeUnless(SingleFlight::isOmitted)
                }
            } else {
                val flights = missingKeys.map { SingleFlight.Flight<Any?>(it) }
                load(flights)
                flights.map { it.outcome }
            }
        for ((n, i) in missing.withIndex()) {
            val outcome = outcomes[n] ?: continue
            answers[i] = outcome.getOrThrow()
            answered[i] = true
        }
    }
    val result = LinkedHashMap<K, V>(distinct.size)
    @Suppress("UNCHECKED_CAST")
    for (i in distinct.indices) if (answered[i]) result[distinct[i]] = answers[i] as V
    return result
}

/**
 * Runs [loadAll] for [ids] (those of the [owned] flights, in order), stores what [policy] accepts of its answer unless
 * a flight's key was invalidated meanwhile, and sets each flight's outcome. Ids the answer adds are stored too.
 */
private suspend fun <K, V> Cache.loadAndStore(
    policy: CachedPolicy,
    ids: List<K>,
    owned: List<SingleFlight.Flight<Any?>>,
    keyOf: suspend (K) -> String,
    tagsOf: (suspend (K) -> Collection<String>)?,
    type: () -> ValueType,
    counters: HandleCounters?,
    loadAll: suspend (List<K>) -> Map<K, V>,
) {
    val strategy = policy.strategy
    // Versions are read before the load, so a deleteTags while it runs leaves its results unreadable: once for the
    // policy's tags, once per distinct set of an id's own tags.
    val policyStamp: TagStamp? = if (tagsOf == null) tagVersions.stamp(policy.tags) else null
    val stamps = HashMap<List<String>, TagStamp?>()

    suspend fun stampOf(id: K): TagStamp? {
        val tags = tagsOf!!(id).toList()
        return stamps.getOrPut(tags) { tagVersions.stamp(tags) }
    }
    if (tagsOf != null) for (id in ids) stampOf(id)
    counters?.loads?.add(ids.size.toLong())
    val started = timeSource.markNow()
    val loaded =
        try {
            loadAll(ids)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            val took = started.elapsedNow()
            if (events.reporting) for (flight in owned) events.loadFailure(flight.key, strategy, e, took)
            throw e
        }
    val took = started.elapsedNow()
    val flightOf = owned.associateBy { it.key }
    val keyOfLoaded = loaded.keys.associateWith { keyOf(it) }
    // Each value to store with its TTL and tags; values alike in both are written together.
    val toStore = LinkedHashMap<Pair<Duration?, TagStamp?>, MutableMap<String, Any?>>()
    val timely = policy.timeCondition == null || took > policy.timeCondition
    for ((id, value) in loaded) {
        val key = keyOfLoaded.getValue(id)
        if (events.reporting) events.load(key, strategy, took)
        if (flightOf[key]?.invalidated == true || !timely) continue
        if (!policy.condition.storesValue(value, key) || policy.doorKeeper?.admit(key) == false) continue
        // An expiry already past (null) returns the value without storing it.
        val ttl = ttlFor(policy, Result.success(value)) ?: continue
        // An id the loader added unasked has no stamp read before the load: its tags are read now.
        val stamp = if (tagsOf == null) policyStamp else stampOf(id)
        val fromResult = policy.resultTags?.invoke(value)
        val valueStamp = if (fromResult.isNullOrEmpty()) stamp else withResultTags(stamp, fromResult)
        toStore.getOrPut(ttl to valueStamp) { LinkedHashMap() }[key] = value
    }
    for ((how, entries) in toStore) {
        values.storeMany(entries, how.first, type, how.second)
        // A delete that landed during the write wins, as on the single-key path.
        val undone = entries.keys.filter { flightOf[it]?.invalidated == true }
        if (undone.isNotEmpty()) deleteMany(undone)
        if (events.reporting) for (key in entries.keys) if (key !in undone) events.put(key, strategy)
    }
    for ((id, value) in loaded) flightOf[keyOfLoaded.getValue(id)]?.outcome = Result.success(value)
}

/** [one] of every id in [ids] at once, in coroutines of their own; the answer keeps the order of [ids]. */
internal suspend fun <K, V> concurrently(ids: List<K>, one: suspend (K) -> V): Map<K, V> =
    coroutineScope {
        val running = ids.map { it to async { one(it) } }
        val answers = LinkedHashMap<K, V>(ids.size)
        for ((id, value) in running) answers[id] = value.await()
        answers
    }

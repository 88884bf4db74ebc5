package io.cashews.internal.value

import io.cashews.GlobPattern
import io.cashews.KeyTtl
import io.cashews.internal.load.SingleFlight
import io.cashews.internal.route.Route
import io.cashews.internal.route.Routing
import io.cashews.internal.tags.TagSettlement
import io.cashews.internal.tags.TagVersions.Companion.counterStampKey
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlin.time.Duration

/**
 * The key commands: deletes, existence, expiry, counters, counts and scans, each aware of tags (an entry a deleted
 * tag removed is gone for every command, as it is for reads) and of the loads running in this process (a delete
 * stops a running load of the key from storing its result).
 */
internal class KeyCommands(
    private val routing: Routing,
    private val tags: TagSettlement,
    private val singleFlight: SingleFlight,
) {
    suspend fun delete(key: String): Boolean {
        singleFlight.invalidate(key)
        val route = routing.route(key)
        val backend = routing.backendOf(route)
        if (tags.dropIfStale(route, backend, key)) return false
        val existed = backend.delete(key)
        if (route.mayHoldCounterTags) backend.delete(counterStampKey(key))
        return existed
    }

    suspend fun deleteMany(keys: Collection<String>): Long {
        keys.forEach(singleFlight::invalidate)
        return deleteEntries(keys)
    }

    /** Deletes [keys] (and the tags kept beside counters); returns how many existed. */
    suspend fun deleteEntries(keys: Collection<String>): Long =
        keys.groupBy(routing::route).entries.sumOf { (route, group) ->
            val backend = routing.backendOf(route)
            val existed = backend.deleteMany(group)
            if (route.mayHoldCounterTags) backend.deleteMany(group.map(::counterStampKey))
            existed
        }

    suspend fun deleteMatch(pattern: String): Long {
        singleFlight.invalidateMatching(GlobPattern(pattern)::matches)
        return deleteMatchingEntries(routing.route(pattern), pattern)
    }

    suspend fun deleteMatchingEntries(route: Route, pattern: String): Long {
        val backend = routing.backendOf(route)
        val stale = ArrayList<String>()
        if (tags.checksTags(route)) {
            // Entries a deleted tag already removed are deleted too, but not counted: they were gone for every read.
            ValuePath.scanWithValues(backend, pattern) { key, stored ->
                if (tags.isStale(route, key, stored)) stale += key
            }
            if (stale.isNotEmpty()) deleteEntries(stale)
        }
        val deleted = backend.deleteMatch(pattern)
        if (route.mayHoldCounterTags) backend.deleteMatch(counterStampKey(pattern))
        return deleted
    }

    suspend fun exists(key: String): Boolean {
        val route = routing.route(key)
        val backend = routing.backendOf(route)
        if (!tags.checksTags(route)) return backend.exists(key)
        val stored = backend.get(key) ?: return false
        return !tags.isStale(route, key, stored)
    }

    suspend fun expire(key: String, ttl: Duration): Boolean {
        val route = routing.route(key)
        val backend = routing.backendOf(route)
        val checkedTtl = TtlChecks.finite(ttl, "expire", "to keep a key for ever, set it again without a TTL")
        if (tags.dropIfStale(route, backend, key)) return false
        val existed = backend.expire(key, checkedTtl)
        if (existed && route.mayHoldCounterTags) backend.expire(counterStampKey(key), checkedTtl)
        return existed
    }

    suspend fun ttl(key: String): KeyTtl {
        val route = routing.route(key)
        val backend = routing.backendOf(route)
        val ttl = backend.ttl(key)
        if (ttl == KeyTtl.Missing || !tags.checksTags(route)) return ttl
        val stored = backend.get(key) ?: return KeyTtl.Missing
        return if (tags.isStale(route, key, stored)) KeyTtl.Missing else ttl
    }

    suspend fun incr(key: String, by: Long, ttl: Duration?, tagged: Collection<String>): Long {
        val route = routing.route(key)
        val backend = routing.backendOf(route)
        val checkedTtl = TtlChecks.checked(ttl)
        if (tagged.isEmpty() && !route.mayHoldCounterTags) return backend.incr(key, by, checkedTtl)
        // Versions are read first, so a deleteTags that lands during this call leaves a stale stamp behind.
        val stamp = tags.versions.stamp(tagged)
        val current = tags.counterStamp(route, key)
        val stale = current != null && !tags.versions.isCurrent(current)
        // A counter with a deleted tag starts again from 0, and so does a tagged value of another kind (a text): only
        // a key without counter tags can hold one, so its counter tags are not read twice.
        when {
            stale -> tags.dropTagged(route, key, counter = true)
            current == null -> tags.dropIfStale(route, backend, key)
        }
        val result = backend.incr(key, by, checkedTtl)
        if (stamp != null && (current == null || stale || !current.tags.contentEquals(stamp.tags))) {
            val left = backend.ttl(key)
            if (left != KeyTtl.Missing) tags.writeCounterStamp(route, key, stamp, (left as? KeyTtl.Expiring)?.remaining)
        }
        return result
    }

    /** The number of live keys across all backends: entries a deleted tag removed are not counted. */
    suspend fun keysCount(): Long =
        routing.all.sumOf { route ->
            val backend = routing.backendOf(route)
            if (!tags.checksTags(route)) {
                backend.keysCount()
            } else {
                var live = 0L
                ValuePath.scanWithValues(backend, "*") { key, stored -> if (!tags.isStale(route, key, stored)) live++ }
                live
            }
        }

    fun scan(pattern: String): Flow<String> =
        flow {
            val route = routing.route(pattern)
            val backend = routing.backendOf(route)
            if (!tags.checksTags(route)) {
                backend.scan(pattern).collect { emit(it) }
                return@flow
            }
            ValuePath.scanWithValues(backend, pattern) { key, stored ->
                if (!tags.isStale(route, key, stored)) emit(key)
            }
        }

    /** Removes every key of every backend, and stops the loads running in this process from storing. */
    suspend fun clear() {
        singleFlight.invalidateMatching { true }
        for (route in routing.all) routing.backendOf(route).clear()
    }
}

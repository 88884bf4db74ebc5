@file:OptIn(InternalCacheApi::class)

package io.cashews.internal.value

import io.cashews.Backend
import io.cashews.ImmediateReadBackend
import io.cashews.InternalCacheApi
import io.cashews.LocalCopy
import io.cashews.MemoryBackend
import io.cashews.NotConfiguredError
import io.cashews.RememberedKey
import io.cashews.SetCondition
import io.cashews.ValueType
import io.cashews.internal.chain.CommandControls
import io.cashews.internal.route.Route
import io.cashews.internal.route.Routing
import io.cashews.internal.tags.TagSettlement
import io.cashews.internal.tags.TagStamp
import io.cashews.internal.tags.TagVersions.Companion.counterStampKey
import io.cashews.internal.tags.Tagged
import io.cashews.internal.value.ValueSerializer.Companion.isInteger
import io.cashews.internal.value.ValueSerializer.Companion.parseDecimal
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlin.time.Duration

/**
 * The value path: reads and writes of values between the cache and a route's backend, through the codec on a byte
 * backend and the tags layer. Reads answer the decoded value, `null` for a cached null, or a [Marker]: [Miss], or
 * [NotNow] from the non-suspending read when it cannot answer.
 */
internal class ValuePath(
    private val routing: Routing,
    private val tags: TagSettlement,
    private val controls: CommandControls,
    /** What an invalidate-further read does instead of reading: delete. */
    private val keys: KeyCommands,
) {
    /**
     * The decoded value at [key], `null` for a cached null, or [Miss]. The in-memory hit is answered without
     * suspending and without allocating: the only suspend call is in tail position, so no continuation is made.
     */
    suspend fun lookup(key: String, type: () -> ValueType, route: Route = routing.route(key)): Any? {
        val local = route.local
        if (local != null) {
            val found = unwrap(route.readNow(local, key))
            return if (route.tagsWritten) tags.settle(route, key, found) else found
        }
        val copy = route.copies?.localCopy(key)
        if (copy != null) return tags.settle(route, key, decodeCopy(route, key, copy, type))
        return lookupSlow(route, key, type)
    }

    /**
     * The decoded value at [key] when it can be answered without suspending (an in-memory hit, or a current local
     * copy of a byte backend's value when [type] is given), else [NotNow].
     */
    fun lookupNow(key: String, type: (() -> ValueType)?): Any? {
        val route = routing.route(key)
        // The common case first: a local backend no observer watches, called with nothing in between.
        val unobserved = route.unobserved
        val local = unobserved ?: route.local ?: return lookupCopy(route, key, type)
        val found = unwrap(if (unobserved != null) unobserved.getNow(key) else route.readNow(local, key))
        return if (route.tagsWritten) tags.settleNow(local, key, found) else found
    }

    /**
     * [lookupNow] of a [RememberedKey]: on an in-memory route without tags, the backend reads the entry the key
     * remembers (one hash probe fewer), with the route's observers around it if it has any; anywhere else, the key's
     * text is looked up as usual.
     */
    fun lookupNow(remembered: RememberedKey, type: (() -> ValueType)?): Any? {
        val route = routing.route(remembered.key)
        if (!route.tagsWritten) {
            val unobserved = route.unobserved
            if (unobserved is MemoryBackend) return unwrap(unobserved.getNow(remembered))
            val local = route.local
            if (local is MemoryBackend) return unwrap(route.readNow(local, remembered))
        }
        return lookupNow(remembered.key, type)
    }

    /** [lookupNow] on a route without an in-memory backend: a current local copy of a byte backend's value. */
    private fun lookupCopy(route: Route, key: String, type: (() -> ValueType)?): Any? {
        if (type == null) return NotNow
        val copy = route.copies?.localCopy(key) ?: return NotNow
        // A tagged value needs its tags' versions read from the backend: that is the suspending path's work.
        return decodeCopy(route, key, copy, type).let { if (it is Tagged) NotNow else it }
    }

    /** [lookupNow], answering [NotNow] instead of failing, so callers that return futures fail them properly. */
    fun lookupNowOrNotNow(key: String): Any? = notConfiguredAsNotNow { lookupNow(key, null) }

    /** [lookupNow] of a [RememberedKey], answering [NotNow] instead of failing, as [lookupNowOrNotNow] does. */
    fun lookupNowOrNotNow(remembered: RememberedKey): Any? = notConfiguredAsNotNow { lookupNow(remembered, null) }

    private inline fun notConfiguredAsNotNow(read: () -> Any?): Any? =
        try {
            read()
        } catch (e: NotConfiguredError) {
            NotNow
        }

    private suspend fun lookupSlow(route: Route, key: String, type: () -> ValueType): Any? {
        if (controls.scoped) return lookupScoped(route, key, type)
        routing.restoreDirectPaths()
        val reads = route.coalescedReads
        val stored = (if (reads != null) reads.get(key) else route.ready().get(key)) ?: return Miss
        return tags.settle(route, key, decode(route, key, stored, type))
    }

    /** [lookupSlow] while blocks with a context-held effect run: the current one may invalidate further. */
    private suspend fun lookupScoped(route: Route, key: String, type: () -> ValueType): Any? {
        if (controls.invalidatingFurther()) {
            tags.dropTagged(route, key, counter = route.mayHoldCounterTags)
            return Miss
        }
        val stored = routing.backendOf(route).get(key) ?: return Miss
        return tags.settle(route, key, decode(route, key, stored, type))
    }

    suspend fun lookupMany(keys: List<String>, type: () -> ValueType): List<Any?> {
        if (controls.invalidatingFurther()) {
            this.keys.deleteEntries(keys)
            return List(keys.size) { Miss }
        }
        val results = arrayOfNulls<Any?>(keys.size)
        val byRoute = keys.indices.groupBy { routing.route(keys[it]) }
        for ((route, indexes) in byRoute) {
            val stored = routing.backendOf(route).getMany(indexes.map { keys[it] })
            indexes.forEachIndexed { i, index ->
                // Not `?.let { } ?: Miss`: a value that decodes to null is a cached null, not a miss.
                val raw = stored[i]
                results[index] =
                    if (raw == null) Miss else tags.settle(route, keys[index], decode(route, keys[index], raw, type))
            }
        }
        return results.asList()
    }

    /**
     * The write of [value] at [key] made without suspending when it can be: an unconditional untagged write, to a
     * backend that takes writes that way with nothing in between (see [Route.localWrites]). Answers whether it
     * happened, or [NotNow] for the general path. An integer on a route that may keep counter tags takes the general
     * path, which clears them.
     */
    fun storeNow(
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        tags: Collection<String>,
    ): Any {
        if (condition != SetCondition.ALWAYS || tags.isNotEmpty()) return NotNow
        val route = routing.route(key)
        val writer = route.localWrites ?: return NotNow
        if (route.mayHoldCounterTags && isInteger(value)) return NotNow
        val checkedTtl = TtlChecks.checked(ttl)
        return writer.setNow(key, value ?: NullValue, checkedTtl)
    }

    /** Writes [value] at [key] of [route], tagged with [stamp] when given (see [io.cashews.internal.tags.TagVersions]). */
    suspend fun storeStamped(
        route: Route,
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        stamp: TagStamp?,
        type: () -> ValueType,
    ): Boolean {
        val checkedTtl = TtlChecks.checked(ttl)
        val counter = isInteger(value)
        val backend = routing.backendOf(route)
        // A conditional write must see an entry a deleted tag removed as missing, as reads do.
        if (condition != SetCondition.ALWAYS) tags.dropIfStale(route, backend, key)
        if (stamp != null) route.tagsWritten = true
        // Integers stay plain so that incr keeps working on them: their tags are kept beside them.
        val stored = encodeStamped(route, key, value, type, checkedTtl, stamp.takeUnless { counter })
        val written = backend.set(key, stored, checkedTtl, condition)
        if (written && counter && (stamp != null || route.mayHoldCounterTags)) {
            if (stamp != null) {
                tags.writeCounterStamp(route, key, stamp, checkedTtl)
            } else {
                backend.delete(counterStampKey(key))
            }
        }
        return written
    }

    /**
     * Copies the value stored at [from] to [to], kept for [ttl], as it reads at [from]: signed for its new key, with
     * its tags. A counter whose tags are kept beside it is not copied (its copy would outlive a deleteTags). Returns
     * whether a copy was written.
     */
    suspend fun copy(from: String, to: String, ttl: Duration?): Boolean {
        val route = routing.route(from)
        val backend = routing.backendOf(route)
        val stored = backend.get(from) ?: return false
        if (route.mayHoldCounterTags && (isInteger(stored) || (stored is ByteArray && parseDecimal(stored) != null))) {
            return false
        }
        val copy =
            if (stored is ByteArray &&
                route.serializer != null
            ) {
                route.serializer.rekeyed(from, to, stored, ttl)
            } else {
                stored
            }
        return copy != null && backend.set(to, copy, TtlChecks.checked(ttl), SetCondition.ALWAYS)
    }

    /**
     * Writes [entries] with one `setMany` per route, each tagged with [stamp] when given. A tagged integer keeps its
     * tags beside it, so it takes [storeStamped] instead.
     */
    suspend fun storeMany(
        entries: Map<String, Any?>,
        ttl: Duration?,
        type: () -> ValueType,
        stamp: TagStamp? = null,
    ) {
        val checkedTtl = TtlChecks.checked(ttl)
        for ((route, all) in entries.entries.groupBy { routing.route(it.key) }) {
            val backend = routing.backendOf(route)
            val group =
                if (stamp == null) {
                    all
                } else {
                    val (counters, others) = all.partition { isInteger(it.value) }
                    for ((key, value) in counters) {
                        storeStamped(route, key, value, checkedTtl, SetCondition.ALWAYS, stamp, type)
                    }
                    route.tagsWritten = true
                    others
                }
            if (group.isEmpty()) continue
            val encoded =
                group.associate { (key, value) ->
                    key to
                        encodeStamped(route, key, value, type, checkedTtl, stamp)
                }
            backend.setMany(encoded, checkedTtl)
            if (route.mayHoldCounterTags) {
                val stamps = group.filter { isInteger(it.value) }.map { counterStampKey(it.key) }
                if (stamps.isNotEmpty()) backend.deleteMany(stamps)
            }
        }
    }

    fun matching(pattern: String, type: () -> ValueType): Flow<Pair<String, Any?>> =
        flow {
            val route = routing.route(pattern)
            if (controls.invalidatingFurther()) {
                keys.deleteMatchingEntries(route, pattern)
                return@flow
            }
            scanWithValues(routing.backendOf(route), pattern) { key, stored ->
                val value = tags.settle(route, key, decode(route, key, stored, type))
                if (value !== Miss) emit(key to value)
            }
        }

    private fun decode(route: Route, key: String, stored: Any, type: () -> ValueType): Any? {
        val serializer = route.serializer ?: return unwrap(stored)
        return serializer.decode(key, stored, type)
    }

    /** A local copy decoded once per type (see [LocalCopy]); a copy of an absent key is a [Miss]. */
    private fun decodeCopy(route: Route, key: String, copy: LocalCopy, type: () -> ValueType): Any? {
        val stored = copy.stored ?: return Miss
        val decoded = copy.decodedFor(type)
        if (decoded !== LocalCopy.UNDECODED) return decoded
        return decode(route, key, stored, type).also { copy.remember(type, it) }
    }

    /** [value] as [route] stores it, carrying [stamp]'s tag versions when given. */
    private fun encodeStamped(
        route: Route,
        key: String,
        value: Any?,
        type: () -> ValueType,
        ttl: Duration?,
        stamp: TagStamp?,
    ): Any =
        when {
            stamp == null -> encode(route, key, value, type, ttl)
            route.serializer == null -> Tagged(value, stamp)
            else -> route.serializer.encode(key, value, type, ttl, stamp)
        }

    private fun encode(route: Route, key: String, value: Any?, type: () -> ValueType, ttl: Duration?): Any {
        val serializer = route.serializer ?: return value ?: NullValue
        return serializer.encode(key, value, type, ttl)
    }

    private fun unwrap(stored: Any?): Any? =
        when {
            stored == null -> Miss
            stored === NullValue -> null
            else -> stored
        }

    companion object {
        private const val MATCH_BATCH = 100

        /** Scans [pattern] on [backend] and reads the keys' stored values in batches, passing on those still there. */
        suspend fun scanWithValues(backend: Backend, pattern: String, each: suspend (String, Any) -> Unit) {
            val batch = ArrayList<String>(MATCH_BATCH)

            suspend fun drain() {
                val stored = backend.getMany(batch)
                for (i in batch.indices) stored[i]?.let { each(batch[i], it) }
                batch.clear()
            }
            backend.scan(pattern).collect {
                batch += it
                if (batch.size == MATCH_BATCH) drain()
            }
            if (batch.isNotEmpty()) drain()
        }
    }
}

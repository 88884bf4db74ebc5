package io.cashews.redis

import com.github.benmanes.caffeine.cache.Caffeine
import io.cashews.LocalCopy
import io.lettuce.core.api.push.PushMessage
import io.lettuce.core.codec.StringCodec
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLongArray

/**
 * The local layer of a client-side cache: copies of values read from Redis, kept while Redis tracks them for this
 * connection (`CLIENT TRACKING`, RESP3 invalidation pushes on the same connection), bounded by [maxSize] entries
 * (Caffeine) and by the TTL each key had in Redis when it was read.
 *
 * A copy is only kept when nothing could have changed it between the read and the keeping: every invalidation, own
 * write, flush and disconnect bumps a generation (one per stripe of keys), and a read keeps its copy only if its
 * stripe's generation did not move from before the read was sent to after the copy was put. That closes the race
 * where an invalidation overtakes the reply it invalidates, or a reply lands after a disconnect. Copies are served
 * only while tracking is on: from the `CLIENT TRACKING` reply of the current connection until its disconnect, which
 * also drops every copy, so a reconnected client reads Redis before it trusts a copy again.
 */
internal class ClientSideCache(
    maxSize: Long,
) {
    /** The copy of a key with a TTL: when Redis expires the key, on [System.nanoTime]'s scale. */
    private class Expiring(
        val copy: LocalCopy,
        val expiresAt: Long,
    )

    // A LocalCopy for a key without a TTL (its hit reads no clock), an Expiring one otherwise. Expiry is checked on
    // read rather than by Caffeine's per-entry expiry, which costs every hit several times a plain lookup; copies
    // nobody reads again leave by the size bound.
    private val copies = Caffeine.newBuilder().maximumSize(maxSize).build<String, Any>()
    private val map = copies.asMap()

    private val generations = AtomicLongArray(STRIPES)

    /** Whether reads sent now are tracked by Redis, so their invalidations will be heard. */
    @Volatile
    private var tracking = false
    private val enabling = AtomicBoolean()
    private var connection = 0L

    /** The current copy of [key], or `null`: never one from before a disconnect, nor while tracking is off. */
    fun copy(key: String): LocalCopy? {
        if (!tracking) return null
        val held = copies.getIfPresent(key) ?: return null
        if (held is LocalCopy) return held
        held as Expiring
        if (System.nanoTime() - held.expiresAt < 0) return held.copy
        map.remove(key, held)
        return null
    }

    /**
     * What a read of [key] notes before it is sent, for [keep]; [UNTRACKED] when its result must not be kept. The
     * generation is read before the tracking flag, and a disconnect clears the flag before it bumps generations, so
     * a read that sees tracking on is sure to see the bump of any later disconnect.
     */
    fun stamp(key: String): Long {
        val generation = generations.get(stripe(key))
        return if (tracking) generation else UNTRACKED
    }

    /**
     * Keeps what a read of [key] returned ([stored] bytes or `null` for absent, with [ttlMillis] from `PTTL`: `-1`
     * for none) unless [stamp] shows something may have changed it since the read was sent at [sentAt].
     */
    fun keep(key: String, stamp: Long, stored: ByteArray?, ttlMillis: Long, sentAt: Long) {
        if (stamp == UNTRACKED) return
        // A value with no TTL reported (the key vanished between the two replies) is not worth the doubt.
        if (stored != null && ttlMillis == KEY_ABSENT) return
        val copy = if (stored == null) LocalCopy.MISSING else LocalCopy(stored)
        copies.put(key, if (ttlMillis < 0) copy else Expiring(copy, sentAt + ttlMillis * NANOS_PER_MILLI))
        // Put, then checked: an invalidation bumps, then removes, so one of the two sides always drops the copy.
        if (generations.get(stripe(key)) != stamp || !tracking) copies.invalidate(key)
    }

    /** Drops the copy of [key]: Redis invalidated it, or this process is writing it. */
    fun invalidate(key: String) {
        generations.incrementAndGet(stripe(key))
        copies.invalidate(key)
    }

    /** Drops every copy: a flush, a pattern delete, a disconnect. */
    fun invalidateAll() {
        for (stripe in 0 until STRIPES) generations.incrementAndGet(stripe)
        copies.invalidateAll()
    }

    /** Handles a RESP3 push: `invalidate` with the keys, or with `null` after a flush. */
    fun onPush(message: PushMessage) {
        if (message.type != "invalidate") return
        val keys = message.getContent(StringCodec.UTF8::decodeKey).getOrNull(1) as? List<*>
        if (keys == null) invalidateAll() else keys.forEach { invalidate(it as String) }
    }

    /**
     * Whether tracking is off and nobody is turning it on. When `true`, the caller reads [connectionNumber], sends
     * `CLIENT TRACKING ON` and reports the reply to [trackingReply].
     */
    fun shouldEnableTracking(): Boolean = !tracking && enabling.compareAndSet(false, true)

    /** Counts disconnects, so a `CLIENT TRACKING` reply from before a disconnect is not trusted after it. */
    val connectionNumber: Long
        @Synchronized get() = connection

    /** Tracking is [on] for the connection numbered [connectionNumber], if that is still the current one. */
    @Synchronized
    fun trackingReply(connectionNumber: Long, on: Boolean) {
        if (on && connectionNumber == connection) tracking = true
        enabling.set(false)
    }

    /** The connection is lost, and Redis's tracking of it with it: no copy is trusted until tracking is on again. */
    @Synchronized
    fun disconnected() {
        connection++
        tracking = false
        invalidateAll()
    }

    /** How many copies are held (an expired one counts until it is read or evicted). */
    val size: Long get() = copies.estimatedSize()

    private fun stripe(key: String): Int = key.hashCode() and (STRIPES - 1)

    companion object {
        /** The default bound on local copies, as in cashews. */
        const val DEFAULT_SIZE = 10_000L
        const val UNTRACKED = -1L
        private const val KEY_ABSENT = -2L
        private const val STRIPES = 1024
        private const val NANOS_PER_MILLI = 1_000_000L
    }
}

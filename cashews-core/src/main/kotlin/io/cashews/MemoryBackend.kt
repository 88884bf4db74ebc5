package io.cashews

import com.github.benmanes.caffeine.cache.Caffeine
import com.github.benmanes.caffeine.cache.Expiry
import com.github.benmanes.caffeine.cache.Ticker
import io.cashews.internal.BitCounters
import io.cashews.internal.Glob
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * The in-memory backend (`mem://`), on Caffeine: bounded by entry count with Caffeine's eviction policy, a TTL per
 * entry through Caffeine's variable expiry, and atomic read-modify-write commands (counters, locks, bit counters,
 * sliding windows, sets) as compare-and-set loops over Caffeine's map.
 *
 * It stores the objects it is given (no copy, no serialization), so cached values must not be mutated after they
 * are stored. Expired entries are never returned; they are purged by Caffeine's maintenance and, when
 * [checkInterval] is set, by a background sweep every [checkInterval].
 *
 * @param size the maximum number of entries (cashews' `size`, default 1000).
 * @param checkInterval how often expired entries are swept out; `null` leaves it to Caffeine's own maintenance.
 * @param timeSource the clock of every TTL; inject a test time source to run expiry in virtual time.
 */
public class MemoryBackend(
    public val size: Long = DEFAULT_SIZE,
    public val checkInterval: Duration? = 1.seconds,
    timeSource: TimeSource = TimeSource.Monotonic,
) : Backend, LockBackend, BitsBackend, SlidingWindowBackend, SetBackend {
    init {
        require(size > 0) { "memory backend size must be positive, was $size" }
        require(
            checkInterval == null || checkInterval.isPositive(),
        ) { "check interval must be positive, was $checkInterval" }
    }

    private val ticker: Ticker =
        if (timeSource === TimeSource.Monotonic) {
            Ticker.systemTicker()
        } else {
            val origin = timeSource.markNow()
            Ticker { origin.elapsedNow().inWholeNanoseconds }
        }

    private val cache =
        Caffeine
            .newBuilder()
            .maximumSize(size)
            .executor(Runnable::run) // maintenance on the calling thread: deterministic, no pool hops
            .ticker(ticker)
            .expireAfter(EntryExpiry)
            .build<String, Entry>()
    private val map = cache.asMap()
    private val expiry = cache.policy().expireVariably().get()
    private val sweeper = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private var sweep: Job? = null

    override val storesObjects: Boolean get() = true

    override suspend fun init() {
        val interval = checkInterval ?: return
        sweep =
            sweeper.launch {
                while (isActive) {
                    delay(interval)
                    cache.cleanUp()
                }
            }
    }

    /** The live value at [key] without suspending: the hit path of an in-memory cache. */
    internal fun getNow(key: String): Any? = cache.getIfPresent(key)?.value

    override suspend fun get(key: String): Any? = getNow(key)

    override suspend fun getMany(keys: List<String>): List<Any?> = keys.map { getNow(it) }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean {
        val entry = Entry(value, ttlNanos(ttl))
        return when (condition) {
            SetCondition.ALWAYS -> {
                cache.put(key, entry)
                true
            }

            SetCondition.IF_ABSENT -> {
                map.putIfAbsent(key, entry) == null
            }

            SetCondition.IF_EXISTS -> {
                map.replace(key, entry) != null
            }
        }
    }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {
        val nanos = ttlNanos(ttl)
        for ((key, value) in entries) cache.put(key, Entry(value, nanos))
    }

    override suspend fun delete(key: String): Boolean = map.remove(key) != null

    override suspend fun deleteMany(keys: Collection<String>): Long = keys.count { map.remove(it) != null }.toLong()

    override suspend fun deleteMatch(pattern: String): Long {
        val glob = Glob(pattern)
        glob.literal?.let { return if (delete(it)) 1 else 0 }
        return map.keys
            .filter(glob::matches)
            .count { map.remove(it) != null }
            .toLong()
    }

    override fun scan(pattern: String): Flow<String> {
        val glob = Glob(pattern)
        return map.keys.asFlow().filter { glob.matches(it) }
    }

    override suspend fun exists(key: String): Boolean = cache.getIfPresent(key) != null

    override suspend fun expire(key: String, ttl: Duration): Boolean {
        val nanos = ttlNanos(ttl)
        while (true) {
            val old = cache.getIfPresent(key) ?: return false
            if (map.replace(key, old, Entry(old.value, nanos))) return true
        }
    }

    override suspend fun ttl(key: String): KeyTtl {
        cache.getIfPresent(key) ?: return KeyTtl.Missing
        val remaining = expiry.getExpiresAfter(key).orElse(null) ?: return KeyTtl.Missing
        if (remaining.toNanos() >= PERSISTENT_THRESHOLD) return KeyTtl.Persistent
        if (remaining.isNegative || remaining.isZero) return KeyTtl.Missing
        return KeyTtl.Expiring(remaining.toNanos().nanoseconds)
    }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long {
        while (true) {
            val old = cache.getIfPresent(key)
            if (old == null) {
                if (map.putIfAbsent(key, Entry(by, ttlNanos(ttl))) == null) return by
                continue
            }
            val current =
                integerValue(old.value)
                    ?: throw NotAnIntegerError("value at key '$key' is not an integer; incr left it unchanged")
            val next =
                try {
                    Math.addExact(current, by)
                } catch (e: ArithmeticException) {
                    throw NotAnIntegerError("incr of key '$key' by $by would overflow ($current)")
                }
            val stored: Any = if (old.value is ByteArray) next.toString().encodeToByteArray() else next
            if (map.replace(key, old, Entry(stored, KEEP_TTL))) return next
        }
    }

    override suspend fun sizeOf(key: String): Long {
        val value = cache.getIfPresent(key)?.value ?: return 0
        return when (value) {
            is ByteArray -> value.size.toLong()
            is String -> value.encodeToByteArray().size.toLong()
            is Long -> value.toString().length.toLong()
            else -> -1
        }
    }

    // Exact, by walking the live view: Caffeine's estimated size still counts entries that expired within the
    // timer wheel's current bucket (about a second).
    override suspend fun keysCount(): Long =
        map.keys
            .asSequence()
            .count()
            .toLong()

    override suspend fun ping(): Boolean = true

    override suspend fun clear() {
        cache.invalidateAll()
        cache.cleanUp()
    }

    override suspend fun close() {
        sweeper.cancel()
        sweep = null
        clear()
    }

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        set(key, token, ttl, SetCondition.IF_ABSENT)

    override suspend fun unlock(key: String, token: String): Boolean {
        val held = cache.getIfPresent(key) ?: return false
        return held.value == token && map.remove(key, held)
    }

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> {
        val bytes = cache.getIfPresent(key)?.value as? ByteArray
        return indexes.map { BitCounters.read(bytes, it, size) }
    }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        update(key, null) { old ->
            var bytes = (old as? ByteArray)?.copyOf() ?: ByteArray(0)
            val values = ArrayList<Long>(indexes.size)
            for (index in indexes) {
                val next = BitCounters.saturatingAdd(BitCounters.read(bytes, index, size), by, size)
                bytes = BitCounters.write(bytes, index, size, next)
                values += next
            }
            bytes to values
        }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        update(key, ttl) { old ->
            val kept = ((old as? SlidingWindowLog)?.stamps ?: LongArray(0)).filter { it >= start }
            val inWindow = kept.count { it <= end }.toLong()
            if (inWindow >= maxValue) {
                SlidingWindowLog(kept.toLongArray()) to maxValue
            } else {
                SlidingWindowLog((kept + end).toLongArray()) to inWindow + 1
            }
        }

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        update(key, ttl) { old ->
            val set = LinkedHashSet(stringSet(old))
            val before = set.size
            set.addAll(members)
            java.util.Collections.unmodifiableSet(set) to (set.size - before).toLong()
        }

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        update(key, null) { old ->
            val set = LinkedHashSet(stringSet(old))
            val before = set.size
            set.removeAll(members.toSet())
            java.util.Collections.unmodifiableSet(set) to (before - set.size).toLong()
        }

    override suspend fun setPop(key: String, count: Int): List<String> =
        update(key, null) { old ->
            val set = LinkedHashSet(stringSet(old))
            val popped = set.take(count)
            set.removeAll(popped.toSet())
            java.util.Collections.unmodifiableSet(set) to popped
        }

    override suspend fun setMembers(key: String): Set<String> = stringSet(cache.getIfPresent(key)?.value)

    /**
     * Atomically replaces the value at [key] with the first half of what [change] returns for the old value (`null`
     * when missing) and returns the second half. A new key gets [ttl]; an existing key keeps its TTL unless [ttl]
     * is given. [change] may run more than once under contention, so it must not have side effects.
     */
    private inline fun <R> update(key: String, ttl: Duration?, change: (Any?) -> Pair<Any, R>): R {
        while (true) {
            val old = cache.getIfPresent(key)
            val (value, result) = change(old?.value)
            if (old == null) {
                if (map.putIfAbsent(key, Entry(value, ttlNanos(ttl))) == null) return result
            } else {
                if (map.replace(key, old, Entry(value, if (ttl == null) KEEP_TTL else ttlNanos(ttl)))) return result
            }
        }
    }

    private fun stringSet(value: Any?): Set<String> {
        @Suppress("UNCHECKED_CAST")
        return (value as? Set<String>) ?: emptySet()
    }

    private fun integerValue(value: Any): Long? =
        when (value) {
            is Long -> {
                value
            }

            is Int -> {
                value.toLong()
            }

            is Short -> {
                value.toLong()
            }

            is Byte -> {
                value.toLong()
            }

            is ByteArray -> {
                io.cashews.internal.ValueSerializer
                    .parseDecimal(value)
            }

            else -> {
                null
            }
        }

    override fun toString(): String = "MemoryBackend(size=$size)"

    /** An immutable sliding-window log; replaced whole on every change. */
    private class SlidingWindowLog(val stamps: LongArray)

    /** A stored value and the TTL it was written with ([KEEP_TTL]: keep the entry's current expiry). */
    private class Entry(
        @JvmField val value: Any,
        @JvmField val ttlNanos: Long,
    )

    private object EntryExpiry : Expiry<String, Entry> {
        override fun expireAfterCreate(key: String, value: Entry, currentTime: Long): Long =
            if (value.ttlNanos == KEEP_TTL) FOREVER else value.ttlNanos

        override fun expireAfterUpdate(key: String, value: Entry, currentTime: Long, currentDuration: Long): Long =
            if (value.ttlNanos == KEEP_TTL) currentDuration else value.ttlNanos

        override fun expireAfterRead(key: String, value: Entry, currentTime: Long, currentDuration: Long): Long =
            currentDuration
    }

    public companion object {
        /** The default maximum number of entries, as in cashews. */
        public const val DEFAULT_SIZE: Long = 1000

        private const val KEEP_TTL = -1L
        private const val FOREVER = Long.MAX_VALUE

        // Caffeine caps expiry at about 146 years; anything beyond a century was written without a TTL.
        private const val PERSISTENT_THRESHOLD = 100L * 365 * 24 * 3600 * 1_000_000_000L

        private fun ttlNanos(ttl: Duration?): Long =
            if (ttl == null || ttl.isInfinite()) FOREVER else Ttl.requirePositive(ttl).inWholeNanoseconds
    }
}

@file:OptIn(InternalCacheApi::class)

package io.cashews

import com.github.benmanes.caffeine.cache.Caffeine
import com.github.benmanes.caffeine.cache.RemovalCause
import com.github.benmanes.caffeine.cache.Ticker
import io.cashews.internal.tags.Tagged
import io.cashews.internal.value.NullValue
import io.cashews.internal.value.ValueSerializer
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.isActive
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.ContinuationInterceptor
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeMark
import kotlin.time.TimeSource
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * The in-memory backend (`mem://`), on Caffeine: bounded by entry count with Caffeine's eviction policy
 * (W-TinyLFU), and atomic read-modify-write commands (counters, locks, bit counters, sliding windows, sets) as
 * compare-and-set loops over Caffeine's map.
 *
 * It stores the objects it is given (no copy, no serialization), so cached values must not be mutated after they
 * are stored.
 *
 * Expiry is exact and kept by this backend rather than by Caffeine's variable expiry, whose read path halves hit
 * throughput (see BENCHMARKS.md). An entry written with a TTL records the instant it expires; every read checks it
 * against [timeSource] and removes an expired entry on sight, so an expired entry is never returned. A value
 * without a TTL is stored unwrapped and a hit on it reads no clock. Expired entries nobody reads are swept out every
 * [checkInterval] (as cashews does) and, like any entry, are evicted by Caffeine's size policy.
 *
 * @param size the maximum number of entries (cashews' `size`, default 1000).
 * @param checkInterval how often expired entries are swept out; `null` disables the sweep (expired entries then
 *   leave on read or by size eviction).
 * @param timeSource the clock of every TTL; inject a test time source to run expiry in virtual time.
 * @param closeValues close values that are [AutoCloseable] or [SuspendCloseable] (clients, connections) when they
 *   leave the cache, for any reason: expiry, eviction, replacement by another object, delete, clear, close (aquiche's
 *   `wrap_async_exit_stack`). Failures to close are logged. A [SuspendCloseable] is closed in a coroutine; [close]
 *   and [awaitCloses] wait for those still running.
 * @param closeParts with [closeValues], the resources inside a value to close, in order, instead of the value itself:
 *   `{ value -> listOf((value as Clients).http, value.db) }`, each an [AutoCloseable] or a [SuspendCloseable] (other
 *   objects, and `null` for a part a value lacks, are skipped). `null` closes the value itself.
 * @param scope where the expiry sweep runs: a cache passes its own scope (see [Cache]'s `scope`), so the sweep stops
 *   with the cache and, under a test dispatcher, runs in virtual time; `null` for a scope of its own on
 *   [Dispatchers.Default].
 * @param idleTtl entries neither read nor written for this long expire (Caffeine's expire after access), beside any
 *   TTL they were written with; `null` for none. Reads then note their time on [timeSource].
 * @param maxBytes bound the entries by weight instead of by [size]: the sum of [weigher]'s answers stays under it.
 * @param weigher the weight in bytes of an entry, for [maxBytes]; `null` for [defaultWeight].
 * @param softValues let the garbage collector take values under memory pressure (Caffeine's soft values). Weak
 *   values are not offered: a value written with a TTL or tags is held inside a wrapper only the cache references,
 *   which a weak reference would lose at the next collection. Weak keys compare keys by identity, which string keys
 *   cannot use.
 * @param removalListener told every entry that leaves and why ([RemovalReason]), on the removing thread; `null` adds
 *   no work to writes and removals.
 */
public class MemoryBackend(
    public val size: Long = DEFAULT_SIZE,
    public val checkInterval: Duration? = 1.seconds,
    timeSource: TimeSource = TimeSource.Monotonic,
    public val closeValues: Boolean = false,
    scope: CoroutineScope? = null,
    public val closeParts: ((value: Any) -> Iterable<Any?>)? = null,
    public val idleTtl: Duration? = null,
    public val maxBytes: Long? = null,
    private val weigher: ((key: String, value: Any) -> Int)? = null,
    public val softValues: Boolean = false,
    private val removalListener: RemovalListener? = null,
) : Backend,
    ExpirySweepingBackend,
    ImmediateReadBackend,
    ImmediateWriteBackend,
    LockBackend,
    LockReleaseBackend,
    BitsBackend,
    SlidingWindowBackend,
    SetBackend,
    TokenBucketBackend,
    EvictingBackend {
    /** [checkInterval] for Java, where the property's getter has a mangled name. */
    @JvmName("getCheckInterval")
    public fun checkIntervalJavaDuration(): java.time.Duration? = checkInterval?.toJavaDuration()

    /** [idleTtl] for Java, where the property's getter has a mangled name. */
    @JvmName("getIdleTtl")
    public fun idleTtlJavaDuration(): java.time.Duration? = idleTtl?.toJavaDuration()

    init {
        require(size > 0) { "memory backend size must be positive, was $size" }
        require(
            checkInterval == null || checkInterval.isPositive(),
        ) { "check interval must be positive, was $checkInterval" }
        require(idleTtl == null || idleTtl.isPositive()) { "idle TTL must be positive, was $idleTtl" }
        require(maxBytes == null || maxBytes > 0) { "memory backend max bytes must be positive, was $maxBytes" }
    }

    private val clock: Ticker = tickerOf(timeSource)

    private val cache =
        Caffeine
            .newBuilder()
            .apply {
                // Each policy is configured only when asked for: Caffeine does no work for the ones left out.
                if (maxBytes == null) {
                    maximumSize(size)
                } else {
                    maximumWeight(maxBytes)
                    weigher<String, Any> { key, stored -> weightOf(key, stored) }
                }
                if (idleTtl != null) {
                    expireAfterAccess(idleTtl.toJavaDuration())
                    ticker(clock)
                }
                if (softValues) softValues()
                if (closeValues || removalListener != null) {
                    removalListener<String, Any> { key, stored, cause -> removed(key, stored, cause) }
                    // Removals are closed and reported on the thread that removed them, so a close, clear or delete
                    // has started every close it caused when it returns, and close() can wait for them all.
                    executor(Runnable::run)
                }
            }.evictionListener<String, Any> { key, stored, cause ->
                retire(stored)
                if (key != null &&
                    cause == RemovalCause.SIZE
                ) {
                    evicted(key)
                }
            }.build<String, Any>()
    private val map = cache.asMap()
    private val sweeper =
        CoroutineScope(
            SupervisorJob(scope?.coroutineContext?.get(Job)) +
                (scope?.coroutineContext?.get(ContinuationInterceptor) ?: Dispatchers.Default) +
                CoroutineName("cashews-memory-sweep"),
        )

    private val timeSource = timeSource

    // Where suspending closes run: not the cache's job, so a cache shutting down still waits for them.
    private val closer =
        CoroutineScope(
            SupervisorJob() +
                (scope?.coroutineContext?.get(ContinuationInterceptor) ?: Dispatchers.Default) +
                CoroutineName("cashews-memory-close"),
        )
    private val pendingCloses: MutableSet<Job> = ConcurrentHashMap.newKeySet()

    /** When the expiry sweep last ran, on the backend's time source; `null` before the first. */
    @Volatile
    public var lastSweep: TimeMark? = null
        private set

    override val storesObjects: Boolean get() = true

    private val releases = LockReleaseSignals()

    private val evictionListeners = CopyOnWriteArrayList<(String) -> Unit>()

    override fun addEvictionListener(listener: (key: String) -> Unit) {
        evictionListeners += listener
    }

    private fun evicted(key: String) {
        for (listener in evictionListeners) listener(key)
    }

    override suspend fun init() {
        val interval = checkInterval ?: return
        sweeper.launch {
            while (isActive) {
                delay(interval)
                sweep()
            }
        }
    }

    /** The live value at [key] without suspending: the hit path of an in-memory cache. */
    override fun getNow(key: String): Any? {
        val stored = cache.getIfPresent(key) ?: return null
        return answer(key, stored, null)
    }

    /**
     * [getNow] through a key a face keeps ([RememberedKey]): a hit on the entry it found last reads that entry
     * straight away, without looking the key up; anything else looks it up and remembers what it found. Entries with
     * a TTL are remembered (they know when they leave this backend: see [Expiring.holder]); entries without one are
     * stored bare and looked up each time. Nothing is remembered when reads must reach Caffeine ([remembers]).
     */
    internal fun getNow(remembered: RememberedKey): Any? {
        val held = remembered.entry
        if (held is Expiring && held.holder === this && clock.read() < held.expiresAt) {
            // Caffeine's eviction policy learns of a sample of these reads, so a hot entry stays hot to it.
            if (ThreadLocalRandom.current().nextInt() and POLICY_SAMPLE_MASK == 0) cache.getIfPresent(remembered.key)
            return readable(held.value)
        }
        val stored = cache.getIfPresent(remembered.key) ?: return null
        return answer(remembered.key, stored, if (remembers) remembered else null)
    }

    /**
     * What a read answers for [stored], found at [key]: its value while live, remembered in [rememberIn] if given;
     * `null` once expired, when the entry is removed.
     */
    private fun answer(key: String, stored: Any, rememberIn: RememberedKey?): Any? {
        if (stored !is Expiring) return readable(stored)
        if (clock.read() < stored.expiresAt) {
            if (rememberIn != null) remember(rememberIn, stored)
            return readable(stored.value)
        }
        if (map.remove(key, stored)) retire(stored)
        return null
    }

    /** A stored value as reads see it: a snapshot of one changed in place ([InPlace]), any other as it is. */
    private fun readable(value: Any): Any? = if (value is InPlace) value.snapshot() else value

    /**
     * Whether [RememberedKey]s may skip Caffeine on a hit: not when it must note every read (an idle TTL), nor when
     * the collector may take values (a remembered entry would keep its value alive).
     */
    private val remembers = idleTtl == null && !softValues

    override fun setNow(
        key: String,
        value: Any,
        ttl: Duration?,
    ): Boolean {
        retire(map.put(key, wrap(value, expiresAt(ttl))))
        return true
    }

    override suspend fun get(key: String): Any? = getNow(key)

    override suspend fun getMany(keys: List<String>): List<Any?> = keys.map { getNow(it) }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean {
        if (condition == SetCondition.ALWAYS) return setNow(key, value, ttl)
        val entry = wrap(value, expiresAt(ttl))
        val wantLive = condition == SetCondition.IF_EXISTS
        while (true) {
            val old = cache.getIfPresent(key)
            if ((old != null && isLive(old)) != wantLive) return false
            if (swap(key, old, entry)) return true
        }
    }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {
        val expiresAt = expiresAt(ttl)
        for ((key, value) in entries) retire(map.put(key, wrap(value, expiresAt)))
    }

    override suspend fun delete(key: String): Boolean {
        val removed = map.remove(key) ?: return false
        retire(removed)
        return isLive(removed)
    }

    override suspend fun deleteMany(keys: Collection<String>): Long = keys.count { delete(it) }.toLong()

    override suspend fun deleteMatch(pattern: String): Long {
        val glob = GlobPattern(pattern)
        glob.literal?.let { return if (delete(it)) 1 else 0 }
        return liveKeys().filter(glob::matches).count { delete(it) }.toLong()
    }

    override fun scan(pattern: String): Flow<String> {
        val glob = GlobPattern(pattern)
        return liveKeys().asFlow().filter { glob.matches(it) }
    }

    override suspend fun exists(key: String): Boolean = getNow(key) != null

    override suspend fun expire(key: String, ttl: Duration): Boolean {
        while (true) {
            val old = live(key) ?: return false
            if (replace(key, old, wrap(unwrap(old), expiresAt(ttl)))) return true
        }
    }

    override suspend fun ttl(key: String): KeyTtl {
        val stored = live(key) ?: return KeyTtl.Missing
        val expiresAt =
            when (stored) {
                is Expiring -> stored.expiresAt
                is TokenBucket -> stored.tat.get()
                else -> return KeyTtl.Persistent
            }
        val remaining = expiresAt - clock.read()
        return if (remaining > 0) KeyTtl.Expiring(remaining.nanoseconds) else KeyTtl.Missing
    }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long {
        while (true) {
            val raw = cache.getIfPresent(key)
            val old = raw?.takeIf(::isLive)
            if (old == null) {
                if (swap(key, raw, wrap(Counter(by), expiresAt(ttl)))) return by
                continue
            }
            val value = unwrap(old)
            if (value is Counter) return value.add(key, by)
            val current =
                integerValue(value)
                    ?: throw NotAnIntegerError("value at key '$key' is not an integer; incr left it unchanged")
            val next =
                try {
                    Math.addExact(current, by)
                } catch (e: ArithmeticException) {
                    throw NotAnIntegerError("incr of key '$key' by $by would overflow ($current)")
                }
            if (replace(key, old, wrap(Counter(next, asText = value is ByteArray), expiresAtOf(old)))) return next
        }
    }

    override suspend fun sizeOf(key: String): Long {
        val value = getNow(key) ?: return 0
        return when (value) {
            is ByteArray -> value.size.toLong()
            is String -> value.encodeToByteArray().size.toLong()
            is Long -> value.toString().length.toLong()
            else -> -1
        }
    }

    override suspend fun keysCount(): Long {
        cache.cleanUp() // apply pending size evictions first, so the count is exact
        return liveKeys().size.toLong()
    }

    override suspend fun ping(): Boolean = true

    override suspend fun clear() {
        // One by one rather than invalidateAll(), which does not say what it removed: each entry is retired.
        for ((key, stored) in map.entries) if (map.remove(key, stored)) retire(stored)
        cache.cleanUp()
    }

    override suspend fun close() {
        sweeper.cancel()
        clear()
        awaitCloses()
    }

    /**
     * [awaitCloses] for at most [timeout] (aquiche's `await_exit_stack_close_operations("1minute")`); returns whether
     * every close finished in time. The closes still running go on.
     */
    public suspend fun awaitCloses(timeout: Duration): Boolean = withTimeoutOrNull(timeout) { awaitCloses() } != null

    /** Waits until every [SuspendCloseable] close started so far (and any they caused) has finished. */
    public suspend fun awaitCloses() {
        while (true) {
            val pending = pendingCloses.toList()
            if (pending.isEmpty()) return
            pending.joinAll()
        }
    }

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        set(key, token, ttl, SetCondition.IF_ABSENT)

    override suspend fun unlock(key: String, token: String): Boolean {
        val held = live(key) ?: return false
        val released = unwrap(held) == token && map.remove(key, held)
        if (released) {
            retire(held)
            releases.released(key)
        }
        return released
    }

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean {
        val held = live(key) ?: return false
        // Replaced only if still the very entry read: a lock released and taken by another holder meanwhile stays.
        return unwrap(held) == token && replace(key, held, wrap(token, expiresAt(ttl)))
    }

    override fun watchRelease(key: String): LockReleaseWatch = releases.watchRelease(key)

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> {
        val stored = live(key)?.let(::unwrap)
        if (stored is BitField) {
            return synchronized(
                stored,
            ) { indexes.map { BitFieldCounters.read(stored.bytes, it, size) } }
        }
        return indexes.map { BitFieldCounters.read(stored as? ByteArray, it, size) }
    }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> {
        while (true) {
            val raw = cache.getIfPresent(key)
            val old = raw?.takeIf(::isLive)
            val field = old?.let(::unwrap) as? BitField
            if (field == null) {
                // First counter update here: the bytes move into a field that later updates change in place.
                val bytes = (old?.let(::unwrap) as? ByteArray)?.copyOf() ?: ByteArray(0)
                swap(key, raw, wrap(BitField(bytes), old?.let(::expiresAtOf) ?: FOREVER))
                continue
            }
            synchronized(field) {
                // Still the entry at the key (not deleted or replaced meanwhile): update it in place.
                if (map[key] === raw) {
                    val values = ArrayList<Long>(indexes.size)
                    for (index in indexes) {
                        val next =
                            BitFieldCounters.saturatingAdd(
                                BitFieldCounters.read(field.bytes, index, size),
                                by,
                                size,
                            )
                        field.bytes = BitFieldCounters.write(field.bytes, index, size, next)
                        values += next
                    }
                    return values
                }
            }
        }
    }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long {
        while (true) {
            val raw = cache.getIfPresent(key)
            val old = raw?.takeIf(::isLive)
            val stamps = (old?.let(::unwrap) as? SlidingWindowLog)?.stamps ?: LongArray(0)
            var kept = 0
            for (stamp in stamps) if (stamp >= start) kept++
            // A full window with nothing to drop is left as it is: refusals cost no write.
            if (kept >= maxValue && kept == stamps.size) return maxValue + 1
            val size = if (kept >= maxValue) kept else kept + 1
            val next = LongArray(size)
            var i = 0
            for (stamp in stamps) if (stamp >= start) next[i++] = stamp
            if (i < size) next[i] = end
            val expiresAt = if (ttl != null || old == null) expiresAt(ttl) else expiresAtOf(old)
            if (swap(key, raw, wrap(SlidingWindowLog(next), expiresAt))) {
                return if (kept >= maxValue) maxValue + 1 else kept + 1L
            }
        }
    }

    /**
     * GCRA on a bucket changed in place with a compare-and-set, as counters are: replacing the cache entry on every
     * decision would cost several times more. A bucket needs no TTL: it reads as missing, and the sweep removes it,
     * once it is full again.
     */
    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant {
        val step = interval.inWholeNanoseconds
        while (true) {
            val raw = cache.getIfPresent(key)
            val now = clock.read()
            val bucket = raw as? TokenBucket
            val tat = bucket?.tat?.get()
            val decision = Gcra.decide(tat, now, step, burst, cost)
            if (!decision.admitted) return TokenGrant(false, decision.remaining, decision.retryAfter.nanoseconds)
            val taken =
                if (bucket == null) {
                    swap(key, raw, TokenBucket(decision.newTat, clock))
                } else {
                    // A bucket deleted meanwhile takes the tokens with it, as if the delete came just after.
                    bucket.tat.compareAndSet(tat!!, decision.newTat)
                }
            if (taken) return TokenGrant(true, decision.remaining, Duration.ZERO)
        }
    }

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        update(key, ttl) { old ->
            val set = LinkedHashSet(stringSet(old))
            val before = set.size
            set.addAll(members)
            Collections.unmodifiableSet(set) to (set.size - before).toLong()
        }

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        update(key, null) { old ->
            val set = LinkedHashSet(stringSet(old))
            val before = set.size
            set.removeAll(members.toSet())
            Collections.unmodifiableSet(set) to (before - set.size).toLong()
        }

    override suspend fun setPop(key: String, count: Int): List<String> =
        update(key, null) { old ->
            val set = LinkedHashSet(stringSet(old))
            val popped = set.take(count)
            set.removeAll(popped.toSet())
            Collections.unmodifiableSet(set) to popped
        }

    override suspend fun setMembers(key: String): Set<String> = stringSet(getNow(key))

    /**
     * Atomically replaces the value at [key] with the first half of what [change] returns for the old value (`null`
     * when missing) and returns the second half. A new key gets [ttl]; an existing key keeps its expiry unless [ttl]
     * is given. [change] may run more than once under contention, so it must not have side effects.
     */
    private inline fun <R> update(key: String, ttl: Duration?, change: (Any?) -> Pair<Any, R>): R {
        while (true) {
            val raw = cache.getIfPresent(key)
            val old = raw?.takeIf(::isLive)
            val (value, result) = change(old?.let(::unwrap))
            val expiresAt = if (ttl != null || old == null) expiresAt(ttl) else expiresAtOf(old)
            if (swap(key, raw, wrap(value, expiresAt))) return result
        }
    }

    /** Replaces exactly [old] (possibly expired, `null` when absent) with [new]; `false` when it changed meanwhile. */
    private fun swap(key: String, old: Any?, new: Any): Boolean =
        if (old == null) map.putIfAbsent(key, new) == null else replace(key, old, new)

    /** Replaces [old] at [key] by [new] if [old] is still there, retiring it. */
    private fun replace(
        key: String,
        old: Any,
        new: Any,
    ): Boolean = map.replace(key, old, new).also { if (it) retire(old) }

    /**
     * Marks an entry that has left the map, so no [RememberedKey] reads it again. Every removal and replacement comes
     * through here (or through the eviction listener) after the map has changed and before the command returns: a
     * read through a remembered key that starts after a write has returned sees the write.
     */
    private fun retire(stored: Any?) {
        if (stored !is Expiring) return
        stored.holder = null
        // The key remembering the entry lets go of it: a size bound must bound what the cache keeps reachable, and a
        // key memo may hold far more keys than the backend holds entries.
        stored.rememberedBy?.forget(stored)
    }

    /**
     * Has [remembered] remember [stored], and [stored] know it. The two sides meet through volatile fields: a retire
     * that reads [Expiring.rememberedBy] before it is set is seen here, by its [Expiring.holder], and forgotten.
     */
    private fun remember(remembered: RememberedKey, stored: Expiring) {
        remembered.entry = stored
        stored.rememberedBy = remembered
        if (stored.holder !== this) remembered.forget(stored)
    }

    /** The stored form at [key] if it has not expired. */
    private fun live(key: String): Any? = cache.getIfPresent(key)?.takeIf(::isLive)

    private fun isLive(stored: Any): Boolean =
        if (stored is Expiring) clock.read() < stored.expiresAt else stored !is TokenBucket || stored.isLive()

    private fun liveKeys(): List<String> {
        val now = clock.read()
        return map.entries.filter { (_, stored) -> isLiveAt(stored, now) }.map { it.key }
    }

    private fun isLiveAt(stored: Any, now: Long): Boolean =
        if (stored is Expiring) now < stored.expiresAt else stored !is TokenBucket || stored.isLiveAt(now)

    /** The value a stored entry holds, tagged or not. */
    private fun valueOf(stored: Any): Any? =
        when (val value = unwrap(stored)) {
            is Tagged -> value.value
            else -> value
        }

    private fun removed(key: String?, stored: Any?, cause: RemovalCause) {
        if (closeValues) closeRemoved(key, stored)
        val listener = removalListener ?: return
        if (key == null) return
        val reason =
            when (cause) {
                // This backend removes what it finds expired itself, which Caffeine counts as an explicit removal.
                RemovalCause.EXPLICIT -> {
                    if (stored != null &&
                        !isLive(stored)
                    ) {
                        RemovalReason.EXPIRED
                    } else {
                        RemovalReason.EXPLICIT
                    }
                }

                RemovalCause.REPLACED -> {
                    RemovalReason.REPLACED
                }

                RemovalCause.SIZE -> {
                    RemovalReason.SIZE
                }

                RemovalCause.EXPIRED -> {
                    RemovalReason.EXPIRED
                }

                RemovalCause.COLLECTED -> {
                    RemovalReason.COLLECTED
                }
            }
        try {
            val value =
                when (val held = stored?.let(::valueOf)) {
                    is InPlace -> held.snapshot()
                    NullValue -> null
                    else -> held
                }
            listener.onRemoval(key, value, reason)
        } catch (e: Exception) {
            log.warn("the removal listener failed for key '{}'", key, e)
        }
    }

    /** The weight of an entry for [maxBytes]: the [weigher]'s, or [defaultWeight]. */
    private fun weightOf(key: String, stored: Any): Int {
        val value = valueOf(stored) ?: return defaultWeight(key, NullValue)
        val custom = weigher ?: return defaultWeight(key, value)
        return custom(key, value).also { require(it >= 0) { "the weigher gave key '$key' a negative weight: $it" } }
    }

    /** Closes a removed value's parts unless the very same object is still cached under [key] (set again, new TTL). */
    private fun closeRemoved(key: String?, stored: Any?) {
        val value = stored?.let(::valueOf) ?: return
        if (value !is AutoCloseable && value !is SuspendCloseable && closeParts == null) return
        val current = key?.let { cache.getIfPresent(it) }?.let(::valueOf)
        if (current === value) return
        val parts =
            try {
                closeParts?.invoke(value) ?: listOf(value)
            } catch (e: Exception) {
                log.warn("choosing what to close of the value removed from key '{}' failed", key, e)
                return
            }
        for (part in parts) {
            when (part) {
                is AutoCloseable -> closeQuietly(key) { part.close() }
                is SuspendCloseable -> closeLater(key, part)
            }
        }
    }

    private fun closeLater(key: String?, part: SuspendCloseable) {
        val job = closer.launch(start = CoroutineStart.LAZY) { closeQuietly(key) { part.close() } }
        pendingCloses += job
        job.invokeOnCompletion { pendingCloses -= job }
        job.start()
    }

    private inline fun closeQuietly(key: String?, close: () -> Unit) {
        try {
            close()
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw e
        } catch (e: Exception) {
            log.warn("closing a value removed from key '{}' failed", key, e)
        }
    }

    /** How many entries are held, as Caffeine estimates it without waiting (expired ones not yet swept included). */
    public val estimatedSize: Long get() = cache.estimatedSize()

    /** How many entries Caffeine holds, expired ones not yet removed included. */
    internal fun storedCount(): Long {
        cache.cleanUp()
        return cache.estimatedSize()
    }

    /** Removes every entry that has expired; run every [checkInterval]. Returns how many it removed. */
    internal fun sweep(): Long {
        lastSweep = timeSource.markNow()
        val now = clock.read()
        var removed = 0L
        for ((key, stored) in map.entries) {
            if (!isLiveAt(stored, now) && map.remove(key, stored)) {
                retire(stored)
                removed++
            }
        }
        return removed
    }

    override suspend fun removeExpired(): Long = sweep()

    /** When an entry written now with [ttl] expires, or [FOREVER]; saturates for absurdly long TTLs. */
    private fun expiresAt(ttl: Duration?): Long {
        if (ttl == null || ttl.isInfinite()) return FOREVER
        val nanos = Ttl.requirePositive(ttl).inWholeNanoseconds
        val now = clock.read()
        return if (nanos >= FOREVER - 1 - now) FOREVER - 1 else now + nanos
    }

    private fun stringSet(value: Any?): Set<String> {
        @Suppress("UNCHECKED_CAST")
        return (value as? Set<String>) ?: emptySet()
    }

    private fun integerValue(value: Any): Long? =
        when (value) {
            is Long -> value
            is Counter -> value.current()
            is Int -> value.toLong()
            is Short -> value.toLong()
            is Byte -> value.toLong()
            is ByteArray -> ValueSerializer.parseDecimal(value)
            else -> null
        }

    override fun toString(): String =
        buildString {
            append("MemoryBackend(")
            append(if (maxBytes == null) "size=$size" else "maxBytes=$maxBytes")
            idleTtl?.let { append(", idleTtl=$it") }
            if (softValues) append(", softValues")
            append(")")
        }

    /**
     * A token bucket: its theoretical arrival time on this backend's [clock], changed in place. It is live until then:
     * after that it is full again, which a missing key means too. Reads see the time as a number.
     */
    private class TokenBucket(
        tat: Long,
        private val clock: Ticker,
    ) : InPlace() {
        val tat = AtomicLong(tat)

        fun isLive(): Boolean = isLiveAt(clock.read())

        fun isLiveAt(now: Long): Boolean = tat.get() > now

        override fun snapshot(): Any? = tat.get().takeIf { it > clock.read() }
    }

    /** An immutable sliding-window log; replaced whole on every change. */
    private class SlidingWindowLog(
        val stamps: LongArray,
    )

    /**
     * Bit counters changed in place under their own lock: a copy per update, as the other atomic commands make,
     * would cost a large Bloom filter its whole size on every add. Reads see a copy of the bytes.
     */
    private class BitField(
        var bytes: ByteArray,
    ) : InPlace() {
        override fun snapshot(): ByteArray = synchronized(this) { bytes.copyOf() }
    }

    /**
     * A counter that `incr` changes with a compare-and-set instead of replacing the cache entry on every call, which
     * costs several times more. Reads see its current value as a `Long`, or as decimal text if it was stored so.
     */
    private class Counter(
        initial: Long,
        private val asText: Boolean = false,
    ) : InPlace() {
        private val value = AtomicLong(initial)

        fun current(): Long = value.get()

        // A counter that was stored as decimal text (by a byte-mode cache) reads back as text, as it was written.
        override fun snapshot(): Any = if (asText) value.get().toString().encodeToByteArray() else value.get()

        fun add(key: String, by: Long): Long {
            while (true) {
                val current = value.get()
                val next =
                    try {
                        Math.addExact(current, by)
                    } catch (e: ArithmeticException) {
                        throw NotAnIntegerError("incr of key '$key' by $by would overflow ($current)")
                    }
                if (value.compareAndSet(current, next)) return next
            }
        }
    }

    /**
     * A value changed in place by the atomic commands; reads get a snapshot of it. A class, not an interface: every
     * hit asks whether its value is one, and before JDK 23 a failing `instanceof` against an interface scans the
     * value class's interfaces each time. On a cache of `Integer`s that scan made a hit three times slower.
     */
    private abstract class InPlace {
        /** The value a read sees; `null` for one that has run out (a token bucket that is full again). */
        abstract fun snapshot(): Any?
    }

    /** A value written with a TTL and the clock reading at which it expires. Values without a TTL are stored bare. */
    private class Expiring(
        @JvmField val value: Any,
        @JvmField val expiresAt: Long,
        /**
         * The backend whose map holds this entry, until it leaves that map (replaced, deleted, evicted, swept):
         * then `null`. A [RememberedKey] reads the entry only while its holder is the backend it reads.
         */
        @Volatile @JvmField var holder: MemoryBackend?,
    ) {
        /**
         * The [RememberedKey] that remembers this entry, if one does (the last to, when two faces keep the same
         * key), so that retiring the entry makes it forget it.
         */
        @Volatile
        @JvmField
        var rememberedBy: RememberedKey? = null
    }

    private fun wrap(value: Any, expiresAt: Long): Any =
        when (expiresAt) {
            FOREVER -> value
            else -> Expiring(value, expiresAt, this)
        }

    public companion object {
        /** The default maximum number of entries, as in cashews. */
        public const val DEFAULT_SIZE: Long = 1000

        /**
         * A memory backend with Caffeine's policies, for Java, whose callers cannot pass Kotlin durations to the
         * constructor: `cache.setup(MemoryBackend.of(10_000, Duration.ofMinutes(10), null, false, (key, value,
         * reason) -> log.info("{} left: {}", key, reason)))`. [maxBytes], when given, bounds the entries by their
         * [defaultWeight] instead of by [size].
         */
        @JvmStatic
        @JvmOverloads
        public fun of(
            size: Long = DEFAULT_SIZE,
            idleTtl: java.time.Duration? = null,
            maxBytes: Long? = null,
            softValues: Boolean = false,
            removalListener: RemovalListener? = null,
        ): MemoryBackend =
            MemoryBackend(
                size = size,
                idleTtl = idleTtl?.toKotlinDuration(),
                maxBytes = maxBytes,
                softValues = softValues,
                removalListener = removalListener,
            )

        private const val FOREVER = Long.MAX_VALUE

        /** One read in 16 through a [RememberedKey] is also told to Caffeine's eviction policy. */
        private const val POLICY_SAMPLE_MASK = 15
        private val log = org.slf4j.LoggerFactory.getLogger(MemoryBackend::class.java)

        private fun unwrap(stored: Any): Any = if (stored is Expiring) stored.value else stored

        /** What an object of unknown size weighs by default: give a weigher, or store bytes, to weigh it exactly. */
        public const val DEFAULT_OBJECT_WEIGHT: Int = 256

        /** Per-entry bookkeeping counted in every default weight: the key's object, the map node, the wrapper. */
        private const val ENTRY_OVERHEAD = 64

        /**
         * The default weight of an entry, in bytes: [ENTRY_OVERHEAD] and the key's characters, plus the value's encoded
         * size (exact for byte arrays, which a cache with a codec or a secret stores; UTF-8 bytes for strings; the
         * decimal text of numbers) or [DEFAULT_OBJECT_WEIGHT] for any other object.
         */
        @JvmStatic
        public fun defaultWeight(key: String, value: Any): Int {
            val size = MemoryLimit.encodedSize(value).let { if (it < 0) DEFAULT_OBJECT_WEIGHT.toLong() else it }
            return (ENTRY_OVERHEAD + 2L * key.length + size).coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
        }

        private fun expiresAtOf(stored: Any): Long = if (stored is Expiring) stored.expiresAt else FOREVER
    }
}

package io.cashews.disk

import io.cashews.Backend
import io.cashews.BackendUnavailableError
import io.cashews.BitFieldCounters
import io.cashews.BitsBackend
import io.cashews.EvictingBackend
import io.cashews.ExpirySweepingBackend
import io.cashews.Gcra
import io.cashews.GlobPattern
import io.cashews.InternalCacheApi
import io.cashews.KeyTtl
import io.cashews.LockBackend
import io.cashews.LockReleaseBackend
import io.cashews.LockReleaseSignals
import io.cashews.LockReleaseWatch
import io.cashews.NotAnIntegerError
import io.cashews.RemovalListener
import io.cashews.RemovalReason
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.DataInputStream
import java.io.DataOutputStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicLong
import java.util.zip.CRC32C
import kotlin.time.Duration
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * The disk backend (`disk://?directory=…`): values as bytes (through the cache's codec) in [shards] SQLite files
 * under [directory], shared by every process of the host that opens the same directory, and kept across restarts.
 *
 * - **Atomic.** Every command is one SQLite statement or one `BEGIN IMMEDIATE` transaction: counters, sets, sliding
 *   windows, bit counters and locks are read-modify-writes that no other thread or process can interleave with.
 *   Other processes' writes are waited for up to [busyTimeout]; past it, the command fails with
 *   [BackendUnavailableError] (never a raw `SQLITE_BUSY`).
 * - **Never waiting on the caller's thread.** A command that needs no waiting runs on its caller's thread
 *   ([runOnCaller]): SQLite itself never waits (no busy timeout, no automatic checkpoint). Everything that waits
 *   (another command on the same shard, another process's write lock, a checkpoint's `fsync`, opening a file) runs on
 *   a dispatcher of [shards] threads at most, borrowed from [Dispatchers.IO]. Each file's connection is used by one
 *   thread at a time, with its statements prepared once.
 * - **Size.** [sizeLimit] bounds the stored bytes (keys, values and a fixed overhead per entry), split evenly across
 *   the shards. A write that takes a shard past its share evicts that shard's least recently used entries (the last
 *   access is recorded at most once a second per entry, so most reads stay reads) until it is back under. Evictions
 *   are counted ([evictions]), logged, and reported to the cache's event listeners ([EvictingBackend]). A value
 *   larger than a shard's share alone is not stored: the write answers `false`, logged and counted
 *   ([refusedTooLarge]).
 * - **Expiry.** TTLs are wall-clock times, so they survive restarts. Expired entries read as missing at once; they
 *   are deleted when read and by a sweep every [purgeInterval].
 * - **Damage.** A shard file that is not an SQLite database or is damaged is moved aside (`*.damaged-<time>`) and
 *   rebuilt empty, logged; the other shards are not affected. An SQLite database the cache did not write is never
 *   touched: opening it fails with [io.cashews.SetupError].
 *
 * Keys go to shards by their hash code, so a directory must always be opened with the same [shards] (checked).
 */
public class DiskBackend(
    /** The directory of the shard files; created if missing. */
    public val directory: Path = DEFAULT_DIRECTORY,
    /** How many SQLite files the keys are spread over. */
    public val shards: Int = DEFAULT_SHARDS,
    /** The most bytes (keys and values) kept across all shards; `null` for no limit. */
    public val sizeLimit: Long? = DEFAULT_SIZE_LIMIT,
    /** How long a command waits for another process's write to finish before failing. */
    public val busyTimeout: Duration = DEFAULT_BUSY_TIMEOUT,
    /** How often expired entries nobody reads are deleted. */
    public val purgeInterval: Duration = DEFAULT_PURGE_INTERVAL,
    /** The clock of TTLs: wall-clock time for the real one; a test clock moves an anchored wall clock. */
    timeSource: TimeSource = TimeSource.Monotonic,
    /**
     * Told every entry this backend removes and why, with its stored bytes: deleted or cleared ([RemovalReason.EXPLICIT],
     * a released lock too), written over by `set` ([RemovalReason.REPLACED]), found expired by a read, a write or the
     * sweep ([RemovalReason.EXPIRED]), evicted for [sizeLimit] ([RemovalReason.SIZE]). Counters, windows, token
     * buckets and sets changed in place are not removals. Only this process's removals are told: another process
     * sharing the directory tells its own listener. Called once the command is done, on the thread that resumes its
     * caller.
     */
    private val removalListener: RemovalListener? = null,
    /**
     * Whether a command runs on its caller's thread when it needs no waiting: no other command on its shard, no other
     * process holding the write lock, no checkpoint or eviction due (SQLite is never left to wait: see [DiskShard]).
     * What is left is SQLite's own work on pages the OS has cached, a few microseconds, cheaper than the two thread
     * wake-ups of a hop. `false` sends every command to the backend's dispatcher, for a directory on slow or network
     * storage where even a read may wait for the device.
     */
    public val runOnCaller: Boolean = true,
) : Backend,
    ExpirySweepingBackend,
    LockBackend,
    LockReleaseBackend,
    BitsBackend,
    SlidingWindowBackend,
    SetBackend,
    TokenBucketBackend,
    EvictingBackend {
    init {
        require(shards in 1..MAX_SHARDS) { "disk cache shards must be in 1..$MAX_SHARDS, was $shards" }
        require(sizeLimit == null || sizeLimit > 0) { "disk cache size limit must be positive, was $sizeLimit" }
        require(busyTimeout.isPositive()) { "disk cache busy timeout must be positive, was $busyTimeout" }
        require(purgeInterval.isPositive()) { "disk cache purge interval must be positive, was $purgeInterval" }
    }

    private val clock: () -> Long =
        if (timeSource === TimeSource.Monotonic) {
            System::currentTimeMillis
        } else {
            val origin = System.currentTimeMillis()
            val mark = timeSource.markNow()
            val anchored: () -> Long = { origin + mark.elapsedNow().inWholeMilliseconds }
            anchored
        }

    private val shardLimit: Long? = sizeLimit?.let { (it / shards).coerceAtLeast(1) }

    /** Each shard's write-ahead log is kept to a quarter of its share of [sizeLimit], between 64 KB and 4 MB. */
    private val walLimit: Long =
        shardLimit?.let { it / WAL_SHARE }?.coerceIn(MIN_WAL_BYTES, MAX_WAL_BYTES) ?: MAX_WAL_BYTES

    private val files: List<DiskShard> =
        List(shards) {
            DiskShard(
                directory.resolve("shard-%03d.sqlite".format(it)),
                shards,
                busyTimeout.inWholeMilliseconds,
                walLimit,
            )
        }

    @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
    private val io = Dispatchers.IO.limitedParallelism(shards)
    private val background = CoroutineScope(SupervisorJob() + io + CoroutineName("cashews-disk-purge"))
    private val releases = LockReleaseSignals()
    private val evictionListeners = CopyOnWriteArrayList<(String) -> Unit>()
    private val evicted = AtomicLong()
    private val tooLargeRefused = AtomicLong()

    override val storesObjects: Boolean get() = false

    /** How many entries were evicted to keep within [sizeLimit] since this backend was built. */
    public val evictions: Long get() = evicted.get()

    /** How many values were not stored because each alone exceeded a shard's share of [sizeLimit]. */
    public val refusedTooLarge: Long get() = tooLargeRefused.get()

    /** How many damaged shard files were moved aside and rebuilt since this backend was built. */
    public val rebuiltShards: Int get() = files.sumOf { it.rebuilds }

    /** The bytes counted against [sizeLimit] across all shards now, expired entries not yet purged included. */
    public suspend fun storedBytes(): Long = files.sumOf { shard -> onDisk(shard) { storedBytes() } }

    override suspend fun init() {
        withContext(io) {
            try {
                Files.createDirectories(directory)
            } catch (e: java.io.IOException) {
                throw BackendUnavailableError("cannot create the disk cache directory '$directory': $e", e)
            }
            if (!Files.isWritable(directory)) {
                throw BackendUnavailableError("the disk cache directory '$directory' is not writable")
            }
        }
        background.launch {
            while (isActive) {
                delay(purgeInterval)
                purgeExpired()
            }
        }
    }

    override fun addEvictionListener(listener: (key: String) -> Unit) {
        evictionListeners += listener
    }

    override fun watchRelease(key: String): LockReleaseWatch = releases.watchRelease(key)

    // -- values ---------------------------------------------------------------------------------------------------

    override suspend fun get(key: String): Any? = onDisk(shardOf(key)) { readValue(key, clock()) }

    /**
     * The read of one key, with three columns where [entry] reads five: SQLite works out whether the row has expired
     * and whether its access time is due, so a hit costs fewer column reads (each a JNI call in sqlite-jdbc, and a
     * column name). A row whose checksum does not match is dropped as [entry] does.
     */
    private fun DiskShard.readValue(key: String, now: Long): ByteArray? {
        var flags = 0
        val value =
            query(READ_VALUE, now, now - TOUCH_MILLIS, key) { row ->
                if (!row.next()) return null
                val packed = row.getLong(1)
                flags = (packed and FLAG_MASK).toInt()
                val value = row.getBytes(2) ?: ByteArray(0)
                val crc = packed ushr CRC_SHIFT
                // NO_CRC: a row written before checksums.
                if (crc != NO_CRC && crc != checksum(key, flags and KIND_BITS, value)) flags = flags or DAMAGED
                value
            }
        if (flags and DAMAGED != 0) {
            dropDamaged(key)
            return null
        }
        return answerRead(key, flags and KIND_BITS, value, flags and EXPIRED != 0, flags and TOUCH_DUE != 0, now)
    }

    /** One hop and one `SELECT … WHERE key IN (…)` per shard (per [IN_BATCH] keys), whatever the number of keys. */
    override suspend fun getMany(keys: List<String>): List<Any?> {
        val found = arrayOfNulls<Any?>(keys.size)
        for ((shard, indexes) in keys.indices.groupBy { shardOf(keys[it]) }) {
            onDisk(shard) {
                val now = clock()
                val rows = entries(indexes.map { keys[it] })
                for (i in indexes) found[i] = rows[keys[i]]?.let { read(keys[i], it, now) }
            }
        }
        return found.asList()
    }

    /** What a read of [row], the row of [key] as read at [now], answers: see [answerRead]. */
    private fun DiskShard.read(key: String, row: Entry, now: Long): ByteArray? =
        answerRead(
            key,
            row.kind,
            row.value,
            expired = !row.isLive(now),
            touchDue = now - row.accessedAt >= TOUCH_MILLIS,
            now,
        )

    /**
     * The live value of [key] as bytes (`null` for anything else), once its row is read: an expired row is deleted,
     * and the access time is written at most once a second. Those writes come once the cursor is closed, and are
     * housekeeping: a read answers even when they fail.
     */
    private fun DiskShard.answerRead(
        key: String,
        kind: Int,
        value: ByteArray,
        expired: Boolean,
        touchDue: Boolean,
        now: Long,
    ): ByteArray? {
        if (expired) {
            housekeeping {
                val deleted = update("DELETE FROM entries WHERE key = ? AND expires_at <= ?", key, now)
                if (deleted > 0 && removalListener != null) removed(key, value, RemovalReason.EXPIRED)
            }
            return null
        }
        if (touchDue) housekeeping { update("UPDATE entries SET accessed_at = ? WHERE key = ?", now, key) }
        return if (kind == BYTES) value else null
    }

    private inline fun housekeeping(write: () -> Unit) {
        try {
            write()
        } catch (e: java.sql.SQLException) {
            log.debug("disk cache housekeeping write failed; the read still answers", e)
        }
    }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean {
        if (tooLarge(key, bytes(value))) return false
        return onDisk(shardOf(key)) {
            val now = clock()
            when (condition) {
                SetCondition.ALWAYS -> {
                    if (removalListener == null) {
                        put(key, BYTES, bytes(value), expiresAt(ttl, now), now)
                    } else {
                        transaction { putOver(key, bytes(value), expiresAt(ttl, now), now) }
                    }
                    evictIfFull()
                    true
                }

                else -> {
                    transaction {
                        if (isLive(key, now) != (condition == SetCondition.IF_EXISTS)) return@transaction false
                        putOver(key, bytes(value), expiresAt(ttl, now), now)
                        true
                    }.also { stored -> if (stored) evictIfFull() }
                }
            }
        }
    }

    /**
     * Whether [value] alone exceeds a shard's share of [sizeLimit]: such a value is not stored (the write answers
     * `false`, as a refused write does), since keeping it would evict everything else and then itself.
     */
    private fun tooLarge(key: String, value: ByteArray): Boolean {
        val limit = shardLimit ?: return false
        if (entrySize(key, value) <= limit) return false
        tooLargeRefused.incrementAndGet()
        log.warn(
            "disk cache does not store '{}': {} bytes exceed a shard's share of the size limit ({})",
            key,
            value.size,
            limit,
        )
        return true
    }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {
        val storable = entries.keys.filterNot { tooLarge(it, bytes(entries.getValue(it))) }
        for ((shard, keys) in storable.groupBy(::shardOf)) {
            onDisk(shard) {
                val now = clock()
                transaction {
                    for (key in keys) putOver(key, bytes(entries.getValue(key)), expiresAt(ttl, now), now)
                }
                evictIfFull()
            }
        }
    }

    override suspend fun delete(key: String): Boolean = onDisk(shardOf(key)) { remove(key, clock()) }

    override suspend fun deleteMany(keys: Collection<String>): Long {
        var deleted = 0L
        for ((shard, inShard) in keys.groupBy(::shardOf)) {
            deleted += onDisk(shard) { transaction { inShard.count { remove(it, clock()) }.toLong() } }
        }
        return deleted
    }

    /** Deletes [key]; whether it was live. */
    private fun DiskShard.remove(key: String, now: Long): Boolean {
        if (removalListener == null) {
            return query("DELETE FROM entries WHERE key = ? RETURNING expires_at", key) { row ->
                row.next() && (row.getLong(1).let { row.wasNull() || it > now })
            }
        }
        return query("DELETE FROM entries WHERE key = ? RETURNING expires_at, value", key) { row ->
            if (!row.next()) return@query false
            val live = row.getLong(1).let { row.wasNull() || it > now }
            removed(key, row.getBytes(2), if (live) RemovalReason.EXPLICIT else RemovalReason.EXPIRED)
            live
        }
    }

    override suspend fun deleteMatch(pattern: String): Long {
        val glob = GlobPattern(pattern)
        glob.literal?.let { return if (delete(it)) 1 else 0 }
        var deleted = 0L
        for (shard in files) {
            deleted +=
                onDisk(shard) {
                    transaction {
                        val now = clock()
                        liveKeys(now).filter(glob::matches).count { remove(it, now) }.toLong()
                    }
                }
        }
        return deleted
    }

    override fun scan(pattern: String): Flow<String> =
        flow {
            val glob = GlobPattern(pattern)
            for (shard in files) {
                val keys = onDisk(shard) { liveKeys(clock()).filter(glob::matches) }
                for (key in keys) emit(key)
            }
        }

    private fun DiskShard.liveKeys(now: Long): List<String> =
        query("SELECT key FROM entries WHERE $LIVE", now) { rows ->
            buildList { while (rows.next()) add(rows.getString(1)) }
        }

    override suspend fun exists(key: String): Boolean = onDisk(shardOf(key)) { isLive(key, clock()) }

    private fun DiskShard.isLive(key: String, now: Long): Boolean =
        query("SELECT 1 FROM entries WHERE key = ? AND $LIVE", key, now) { it.next() }

    override suspend fun expire(key: String, ttl: Duration): Boolean =
        onDisk(shardOf(key)) {
            val now = clock()
            update(
                "UPDATE entries SET expires_at = ? WHERE key = ? AND $LIVE",
                expiresAt(ttl, now),
                key,
                now,
            ) > 0
        }

    override suspend fun ttl(key: String): KeyTtl =
        onDisk(shardOf(key)) {
            val now = clock()
            query(
                "SELECT expires_at FROM entries WHERE key = ? AND $LIVE",
                key,
                now,
            ) { row ->
                when {
                    !row.next() -> KeyTtl.Missing
                    row.getLong(1).let { row.wasNull() } -> KeyTtl.Persistent
                    else -> KeyTtl.Expiring((row.getLong(1) - now).milliseconds)
                }
            }
        }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long =
        onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = live(key, now)
                if (current == null) {
                    put(key, BYTES, by.toString().toByteArray(Charsets.US_ASCII), expiresAt(ttl, now), now)
                    return@transaction by
                }
                val value =
                    current
                        .takeIf { it.kind == BYTES }
                        ?.value
                        ?.toString(Charsets.US_ASCII)
                        ?.toLongOrNull()
                        ?: throw NotAnIntegerError("incr of '$key': the value is not an integer; it is unchanged")
                val next =
                    try {
                        Math.addExact(value, by)
                    } catch (e: ArithmeticException) {
                        throw NotAnIntegerError("incr of '$key' by $by would overflow; the value is unchanged")
                    }
                rewrite(key, next.toString().toByteArray(Charsets.US_ASCII), now)
                next
            }
        }

    override suspend fun sizeOf(key: String): Long =
        onDisk(shardOf(key)) {
            val entry = live(key, clock()) ?: return@onDisk 0L
            if (entry.kind == BYTES) entry.value.size.toLong() else -1L
        }

    override suspend fun keysCount(): Long =
        files.sumOf { shard ->
            onDisk(shard) {
                query("SELECT count(*) FROM entries WHERE $LIVE", clock()) {
                    it.next()
                    it.getLong(1)
                }
            }
        }

    override suspend fun ping(): Boolean =
        try {
            files.all { shard -> onDisk(shard) { query("SELECT 1") { it.next() } } }
        } catch (e: BackendUnavailableError) {
            false
        }

    override suspend fun clear() {
        for (shard in files) {
            onDisk(shard) {
                if (removalListener == null) {
                    update("DELETE FROM entries")
                } else {
                    val now = clock()
                    query("DELETE FROM entries RETURNING key, value, expires_at") { rows ->
                        while (rows.next()) {
                            val live = rows.getLong(3).let { rows.wasNull() || it > now }
                            val reason = if (live) RemovalReason.EXPLICIT else RemovalReason.EXPIRED
                            removed(rows.getString(1), rows.getBytes(2), reason)
                        }
                    }
                }
            }
        }
    }

    override suspend fun close() {
        background.cancel()
        withContext(io) { files.forEach(DiskShard::close) }
    }

    // -- locks, bits, windows, sets -------------------------------------------------------------------------------

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        set(key, token.toByteArray(), ttl, SetCondition.IF_ABSENT)

    override suspend fun unlock(key: String, token: String): Boolean {
        val released =
            onDisk(shardOf(key)) {
                val now = clock()
                val deleted =
                    update(
                        "DELETE FROM entries WHERE key = ? AND value = ? AND $LIVE",
                        key,
                        token.toByteArray(),
                        now,
                    ) > 0
                if (deleted && removalListener != null) removed(key, token.toByteArray(), RemovalReason.EXPLICIT)
                deleted
            }
        // Waiters in this process wake at once; those of other processes find the release at their next re-check.
        if (released) releases.released(key)
        return released
    }

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        onDisk(shardOf(key)) {
            val now = clock()
            update(
                "UPDATE entries SET expires_at = ? WHERE key = ? AND value = ? AND $LIVE",
                expiresAt(ttl, now),
                key,
                token.toByteArray(),
                now,
            ) > 0
        }

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> =
        onDisk(shardOf(key)) {
            val bytes = live(key, clock())?.takeIf { it.kind == BYTES }?.value
            indexes.map { BitFieldCounters.read(bytes, it, size) }
        }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = live(key, now)
                var bytes = current?.value?.takeIf { current.kind == BYTES } ?: ByteArray(0)
                val counts =
                    indexes.map { index ->
                        val next = BitFieldCounters.saturatingAdd(BitFieldCounters.read(bytes, index, size), by, size)
                        bytes = BitFieldCounters.write(bytes, index, size, next)
                        next
                    }
                if (current == null) put(key, BYTES, bytes, null, now) else rewrite(key, bytes, now)
                counts
            }.also { evictIfFull() }
        }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = live(key, now)?.takeIf { it.kind == WINDOW }
                val times = current?.let { decodeTimes(it.value) }?.filter { it >= start }.orEmpty()
                if (times.size >= maxValue) return@transaction maxValue + 1
                put(key, WINDOW, encodeTimes(times + end), ttl?.let { expiresAt(it, now) } ?: current?.expiresAt, now)
                times.size + 1L
            }
        }

    /**
     * GCRA in a transaction, in microseconds of the wall clock every process sharing the directory reads. The arrival
     * time is stored as decimal text until the bucket would be full again.
     */
    @OptIn(InternalCacheApi::class)
    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant {
        val step = interval.inWholeMicroseconds
        require(step > 0) { "a token bucket on disk gains at most one token per microsecond, was one per $interval" }
        return onDisk(shardOf(key)) {
            transaction {
                val millis = clock()
                val tat =
                    live(key, millis)
                        ?.takeIf { it.kind == BYTES }
                        ?.value
                        ?.decodeToString()
                        ?.toLongOrNull()
                val decision = Gcra.decide(tat, millis * 1_000, step, burst, cost)
                if (!decision.admitted) {
                    return@transaction TokenGrant(false, decision.remaining, decision.retryAfter.microseconds)
                }
                val expiresAt = (decision.newTat + 999) / 1_000
                put(key, BYTES, decision.newTat.toString().encodeToByteArray(), expiresAt, millis)
                TokenGrant(true, decision.remaining, Duration.ZERO)
            }
        }
    }

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long {
        if (members.isEmpty()) return 0
        return onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = liveSet(key, now)
                val updated = LinkedHashSet(current?.members.orEmpty())
                val added = members.count(updated::add).toLong()
                put(key, SET, encodeMembers(updated), ttl?.let { expiresAt(it, now) } ?: current?.expiresAt, now)
                added
            }.also { evictIfFull() }
        }
    }

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = liveSet(key, now) ?: return@transaction 0L
                val left = LinkedHashSet(current.members)
                val removed = members.toSet().count(left::remove).toLong()
                storeSet(key, left, current.expiresAt, now)
                removed
            }
        }

    override suspend fun setPop(key: String, count: Int): List<String> =
        onDisk(shardOf(key)) {
            transaction {
                val now = clock()
                val current = liveSet(key, now) ?: return@transaction emptyList()
                val popped = current.members.take(count)
                storeSet(key, current.members - popped.toSet(), current.expiresAt, now)
                popped
            }
        }

    override suspend fun setMembers(key: String): Set<String> =
        onDisk(shardOf(key)) {
            liveSet(key, clock())?.members.orEmpty()
        }

    private class LiveSet(
        val members: Set<String>,
        val expiresAt: Long?,
    )

    private fun DiskShard.liveSet(key: String, now: Long): LiveSet? {
        val entry = live(key, now) ?: return null
        require(entry.kind == SET) { "key '$key' holds a value, not a set" }
        return LiveSet(decodeMembers(entry.value), entry.expiresAt)
    }

    /** Writes the set back, or deletes the key when it is empty (as Redis does). */
    private fun DiskShard.storeSet(key: String, members: Set<String>, expiresAt: Long?, now: Long) {
        if (members.isEmpty()) {
            update("DELETE FROM entries WHERE key = ?", key)
            if (removalListener != null) removed(key, encodeMembers(members), RemovalReason.EXPLICIT)
        } else {
            put(key, SET, encodeMembers(members), expiresAt, now)
        }
    }

    // -- rows -----------------------------------------------------------------------------------------------------

    private class Entry(
        val kind: Int,
        val value: ByteArray,
        val expiresAt: Long?,
        val accessedAt: Long,
    ) {
        fun isLive(now: Long): Boolean = expiresAt == null || expiresAt > now
    }

    /**
     * The row of [key], live or expired (the cursor closed once read), or `null`. A row whose checksum does not match
     * (damage inside a page, which SQLite does not notice) is logged, deleted and answered as `null`: a miss.
     */
    private fun DiskShard.entry(key: String): Entry? {
        var damaged = false
        val entry =
            query("SELECT kind, value, expires_at, accessed_at, crc FROM entries WHERE key = ?", key) { row ->
                if (!row.next()) return null
                val kind = row.getInt(1)
                val value = row.getBytes(2) ?: ByteArray(0)
                val expiresAt = row.getLong(3).takeUnless { row.wasNull() }
                val accessedAt = row.getLong(4)
                val crc = row.getLong(5).takeUnless { row.wasNull() } // null: written before checksums
                damaged = crc != null && crc != checksum(key, kind, value)
                Entry(kind, value, expiresAt, accessedAt)
            }
        if (!damaged) return entry
        dropDamaged(key)
        return null
    }

    private fun DiskShard.dropDamaged(key: String) {
        log.warn(
            "disk cache entry '{}' in '{}' fails its checksum: damaged on disk; read as a miss and removed",
            key,
            file,
        )
        housekeeping { update("DELETE FROM entries WHERE key = ?", key) }
    }

    private fun DiskShard.live(key: String, now: Long): Entry? = entry(key)?.takeIf { it.isLive(now) }

    /**
     * The rows of [keys] that exist, live or expired, damaged ones left out (see [entry]). Read with one statement
     * per [IN_BATCH] keys; each batch is padded to a size of [IN_SIZES] by repeating a key, so a connection prepares
     * a handful of statements, not one per batch size.
     */
    private fun DiskShard.entries(keys: List<String>): Map<String, Entry> {
        val rows = HashMap<String, Entry>(keys.size * 2)
        val damaged = ArrayList<String>()
        for (chunk in keys.distinct().chunked(IN_BATCH)) {
            val size = IN_SIZES.first { it >= chunk.size }
            val binds = Array<Any?>(size) { chunk[minOf(it, chunk.size - 1)] }
            val sql =
                "SELECT key, kind, value, expires_at, accessed_at, crc FROM entries WHERE key IN (" +
                    List(size) { "?" }.joinToString(",") + ")"
            query(sql, *binds) { row ->
                while (row.next()) {
                    val key = row.getString(1)
                    val kind = row.getInt(2)
                    val value = row.getBytes(3) ?: ByteArray(0)
                    val expiresAt = row.getLong(4).takeUnless { row.wasNull() }
                    val accessedAt = row.getLong(5)
                    val crc = row.getLong(6).takeUnless { row.wasNull() }
                    if (crc != null && crc != checksum(key, kind, value)) {
                        damaged += key
                    } else {
                        rows[key] = Entry(kind, value, expiresAt, accessedAt)
                    }
                }
            }
        }
        for (key in damaged) dropDamaged(key)
        return rows
    }

    private fun DiskShard.put(key: String, kind: Int, value: ByteArray, expiresAt: Long?, now: Long) {
        update(
            """
            INSERT INTO entries (key, kind, value, expires_at, accessed_at, size, crc) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, expires_at = excluded.expires_at,
                accessed_at = excluded.accessed_at, size = excluded.size, crc = excluded.crc
            """,
            key,
            kind,
            value,
            expiresAt,
            now,
            entrySize(key, value),
            checksum(key, kind, value),
        )
    }

    /**
     * [put] of a value written by `set`: with a removal listener, the row it writes over is told first, as
     * [RemovalReason.REPLACED] when it was live and [RemovalReason.EXPIRED] when it had expired unread. Run inside a
     * transaction then, so no other process's write comes between the read and the write.
     */
    private fun DiskShard.putOver(key: String, value: ByteArray, expiresAt: Long?, now: Long) {
        if (removalListener != null) {
            entry(key)?.let { old ->
                removed(key, old.value, if (old.isLive(now)) RemovalReason.REPLACED else RemovalReason.EXPIRED)
            }
        }
        put(key, BYTES, value, expiresAt, now)
    }

    /** Replaces the value of a live value [key] (a counter, bit counters), keeping its expiry. */
    private fun DiskShard.rewrite(key: String, value: ByteArray, now: Long) {
        update(
            "UPDATE entries SET value = ?, size = ?, accessed_at = ?, crc = ? WHERE key = ?",
            value,
            entrySize(key, value),
            now,
            checksum(key, BYTES, value),
            key,
        )
    }

    /** CRC32C (in the JDK, hardware-assisted) of what a row must keep intact: its key, kind and value. */
    private fun checksum(key: String, kind: Int, value: ByteArray): Long =
        CRC32C()
            .apply {
                update(key.encodeToByteArray())
                update(kind)
                update(value)
            }.value

    /**
     * Evicts this shard's least recently used entries while it is over its share of [sizeLimit]. The entry just
     * written is the most recently used, so it goes last.
     */
    private fun DiskShard.evictIfFull(deferWhenBusy: Boolean = true) {
        val limit = shardLimit ?: return
        evictionDue = false
        val gone =
            try {
                if (storedBytes() <= limit) return
                transaction { evictOver(limit) }
            } catch (e: java.sql.SQLException) {
                // The command before it has committed, so running it again would repeat it: the next command evicts.
                if (!deferWhenBusy || !busy(e)) throw e
                evictionDue = true
                return
            }
        if (gone.isEmpty()) return
        evicted.addAndGet(gone.size.toLong())
        log.debug(
            "disk cache shard '{}' over its {} bytes: evicted {} least recently used entries",
            file,
            limit,
            gone.size,
        )
        for (victim in gone) for (listener in evictionListeners) listener(victim)
    }

    /** Deletes the least recently used entries until the shard is within [limit]; the keys deleted. */
    private fun DiskShard.evictOver(limit: Long): List<String> {
        val victims = ArrayList<String>()
        while (storedBytes() > limit) {
            val batch =
                query("SELECT key FROM entries ORDER BY accessed_at LIMIT ?", EVICTION_BATCH) { rows ->
                    buildList { while (rows.next()) add(rows.getString(1)) }
                }
            if (batch.isEmpty()) break
            for (victim in batch) {
                if (storedBytes() <= limit) break
                if (removalListener == null) {
                    update("DELETE FROM entries WHERE key = ?", victim)
                } else {
                    query("DELETE FROM entries WHERE key = ? RETURNING value", victim) { row ->
                        if (row.next()) removed(victim, row.getBytes(1), RemovalReason.SIZE)
                    }
                }
                victims += victim
            }
        }
        return victims
    }

    private suspend fun purgeExpired() {
        for (shard in files) {
            runCatching { deleteExpired(shard) }
                .onFailure { log.debug("purging expired entries of '{}' failed; next time", shard.file, it) }
        }
    }

    /** Purges expired entries now rather than at the next [purgeInterval]; a shard that fails throws. */
    override suspend fun removeExpired(): Long = files.sumOf { deleteExpired(it).toLong() }

    private suspend fun deleteExpired(shard: DiskShard): Int =
        onDisk(shard) {
            if (removalListener == null) return@onDisk update("DELETE FROM entries WHERE expires_at <= ?", clock())
            query("DELETE FROM entries WHERE expires_at <= ? RETURNING key, value", clock()) { rows ->
                var count = 0
                while (rows.next()) {
                    removed(rows.getString(1), rows.getBytes(2), RemovalReason.EXPIRED)
                    count++
                }
                count
            }
        }

    private fun shardOf(key: String): DiskShard = files[(key.hashCode() and Int.MAX_VALUE) % shards]

    /** Runs [block] on [shard] (see [runCommand]), then tells [removalListener] what it removed. */
    private suspend fun <T> onDisk(shard: DiskShard, block: DiskShard.() -> T): T {
        val listener = removalListener ?: return runCommand(shard, block)
        var done: List<DiskShard.Removal> = emptyList()
        val answer =
            runCommand(shard) {
                try {
                    block().also { done = takeRemovals() }
                } catch (e: Throwable) {
                    removals.clear() // a failed attempt told nothing; a busy one is run again
                    throw e
                }
            }
        tell(listener, done)
        return answer
    }

    /**
     * Runs [block] on [shard]: on the caller's thread when nothing needs waiting for ([runOnCaller], see
     * [DiskShard.tryUse]), on the backend's dispatcher otherwise, where an eviction that was due runs first.
     */
    private suspend fun <T> runCommand(shard: DiskShard, block: DiskShard.() -> T): T {
        if (runOnCaller) {
            val answer = shard.tryUse(block)
            @Suppress("UNCHECKED_CAST")
            if (answer !== DiskShard.NotRun) return answer as T
        }
        return withContext(io) {
            shard.use {
                if (evictionDue) evictIfFull(deferWhenBusy = false)
                block()
            }
        }
    }

    private fun tell(listener: RemovalListener, removals: List<DiskShard.Removal>) {
        for (removal in removals) {
            try {
                listener.onRemoval(removal.key, removal.value, removal.reason)
            } catch (e: Exception) {
                log.warn("the removal listener failed for '{}' ({}); it stays removed", removal.key, removal.reason, e)
            }
        }
    }

    private fun expiresAt(ttl: Duration?, now: Long): Long? = ttl?.let { now + it.inWholeMilliseconds.coerceAtLeast(1) }

    private fun bytes(value: Any): ByteArray =
        value as? ByteArray
            ?: throw IllegalArgumentException(
                "the disk backend stores bytes; got ${value.javaClass.name} (set up a codec)",
            )

    override fun toString(): String = "DiskBackend($directory, shards=$shards)"

    public companion object {
        /** Where the cache lives unless told: `~/.cache/cashews`, kept across restarts. */
        public val DEFAULT_DIRECTORY: Path = Path.of(System.getProperty("user.home"), ".cache", "cashews")

        /** The default shard count, as in cashews. */
        public const val DEFAULT_SHARDS: Int = 8

        /** The default size limit: 1 GiB, as diskcache's (but logged and counted when it evicts). */
        public const val DEFAULT_SIZE_LIMIT: Long = 1L shl 30

        /** The default wait for another process's write. */
        public val DEFAULT_BUSY_TIMEOUT: Duration = 10.seconds

        /** The default interval of the sweep of expired entries. */
        public val DEFAULT_PURGE_INTERVAL: Duration = 1.minutes

        /**
         * A disk backend for Java, whose callers cannot pass Kotlin durations to the constructor:
         * `cache.setup(DiskBackend.of(Path.of("/var/cache/app"), 8, 2L << 30, (key, bytes, reason) -> …))`. The busy
         * timeout and purge interval keep their defaults.
         */
        @JvmStatic
        @JvmOverloads
        public fun of(
            directory: Path,
            shards: Int = DEFAULT_SHARDS,
            sizeLimit: Long? = DEFAULT_SIZE_LIMIT,
            removalListener: RemovalListener? = null,
        ): DiskBackend = DiskBackend(directory, shards, sizeLimit, removalListener = removalListener)

        /** The condition of a live entry, with the current time as its parameter. */
        private const val LIVE = "(expires_at IS NULL OR expires_at > ?)"
        private const val MAX_SHARDS = 256
        private const val IN_BATCH = 256
        private val IN_SIZES = intArrayOf(1, 4, 16, 64, IN_BATCH)
        private const val BYTES = 0
        private const val SET = 1
        private const val WINDOW = 2
        private const val TOUCH_MILLIS = 1_000L
        private const val FLAG_MASK = 31L
        private const val CRC_SHIFT = 5
        private const val NO_CRC = 1L shl 32
        private const val KIND_BITS = 3
        private const val EXPIRED = 4
        private const val TOUCH_DUE = 8
        private const val DAMAGED = 16

        /**
         * [readValue]'s row: one integer, then the value. The integer packs the kind ([KIND_BITS]), [EXPIRED] and
         * [TOUCH_DUE] as worked out by SQLite, and the checksum above [CRC_SHIFT] ([NO_CRC] for a row written before
         * checksums): sqlite-jdbc's per-column work (a name per column and query, a native call per read) is a
         * visible share of a read, so the row has two columns rather than three.
         */
        private const val READ_VALUE =
            "SELECT kind | (CASE WHEN expires_at <= ? THEN $EXPIRED ELSE 0 END)" +
                " | (CASE WHEN accessed_at <= ? THEN $TOUCH_DUE ELSE 0 END)" +
                " | (ifnull(crc, $NO_CRC) << $CRC_SHIFT) AS f, value FROM entries WHERE key = ?"

        private const val EVICTION_BATCH = 64
        private const val ENTRY_OVERHEAD = 32
        private const val WAL_SHARE = 4
        private const val MIN_WAL_BYTES = 64L * 1024
        private const val MAX_WAL_BYTES = 4L * 1024 * 1024
        private val log = LoggerFactory.getLogger(DiskBackend::class.java)

        /** What an entry counts against the size limit: its key and value, and a fixed row overhead. */
        private fun entrySize(key: String, value: ByteArray): Int = key.length + value.size + ENTRY_OVERHEAD

        private fun encodeMembers(members: Set<String>): ByteArray =
            ByteArrayOutputStream()
                .also { out ->
                    DataOutputStream(out).use { data ->
                        data.writeInt(members.size)
                        for (member in members) {
                            val bytes = member.toByteArray()
                            data.writeInt(bytes.size)
                            data.write(bytes)
                        }
                    }
                }.toByteArray()

        private fun decodeMembers(bytes: ByteArray): Set<String> =
            DataInputStream(ByteArrayInputStream(bytes)).use { data ->
                val count = data.readInt()
                LinkedHashSet<String>(count).apply {
                    repeat(count) { add(String(ByteArray(data.readInt()).also(data::readFully))) }
                }
            }

        private fun encodeTimes(times: List<Long>): ByteArray =
            java.nio.ByteBuffer
                .allocate(times.size * Long.SIZE_BYTES)
                .apply { times.forEach(::putLong) }
                .array()

        private fun decodeTimes(bytes: ByteArray): List<Long> {
            val buffer = java.nio.ByteBuffer.wrap(bytes)
            return List(bytes.size / Long.SIZE_BYTES) { buffer.long }
        }
    }
}

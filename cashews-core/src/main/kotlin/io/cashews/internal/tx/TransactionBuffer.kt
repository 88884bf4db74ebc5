package io.cashews.internal.tx

import io.cashews.Backend
import io.cashews.BitsBackend
import io.cashews.GlobPattern
import io.cashews.KeyTtl
import io.cashews.LockBackend
import io.cashews.NotAnIntegerError
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import io.cashews.TransactionLockTimeoutError
import io.cashews.TransactionMode
import io.cashews.internal.route.Route
import io.cashews.internal.route.capability
import io.cashews.internal.value.Miss
import io.cashews.internal.value.ValueSerializer
import io.cashews.internal.value.ValueSerializer.Companion.isInteger
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.TimeMark

/**
 * What one backend looks like inside a transaction: the writes made so far, kept here, over the backend itself.
 *
 * Reads merge both views (a buffered write wins, a buffered delete hides the key); writes take the key's lock first
 * (see [TransactionMode]) and are buffered; [commit] applies the buffer (deletes first, then each write with the
 * exact TTL it has left) and releases the locks. Commands that are not transactional pass straight through.
 * Coroutines of one transaction share its buffer. Its sections never suspend, so a monitor guards them; a write
 * that must first ask the backend (a conditional set, `expire`, `incr`, a delete that answers whether the key was
 * there) asks outside it and applies its outcome only if the key's buffered entry is still the one it decided on,
 * otherwise decides again ([decide]).
 */
internal class TransactionBuffer(
    val route: Route,
    private val transaction: CacheTransaction,
) : Backend,
    LockBackend,
    BitsBackend,
    SlidingWindowBackend,
    TokenBucketBackend,
    SetBackend {
    /** A buffered outcome for one key. */
    private sealed class Pending {
        class Written(
            val stored: Any,
            val expiresAt: TimeMark?,
        ) : Pending() {
            val live: Boolean get() = expiresAt == null || expiresAt.hasNotPassedNow()
        }

        object Deleted : Pending()
    }

    // Guarded by this buffer's monitor.
    private var pending = HashMap<String, Pending>()

    // Only locking modes take locks.
    private val lockMutex: Mutex? = if (transaction.mode == TransactionMode.FAST) null else Mutex()
    private val held = HashSet<String>(0)

    override val storesObjects: Boolean get() = route.backend.storesObjects

    private suspend fun real(): Backend = route.ready()

    // -- reads ---------------------------------------------------------------------------------------------------

    /** The buffered outcome for [key]: its stored value, [Miss] when deleted or expired, `null` when not buffered. */
    private fun buffered(key: String): Any? =
        when (val entry = pending[key]) {
            null -> null
            is Pending.Written -> if (entry.live) entry.stored else Miss
            Pending.Deleted -> Miss
        }

    private suspend fun read(key: String): Any? {
        val found = synchronized(this) { buffered(key) }
        return when {
            found === Miss -> null
            found != null -> found
            else -> real().get(key)
        }
    }

    override suspend fun get(key: String): Any? = read(key)

    override suspend fun getMany(keys: List<String>): List<Any?> {
        val local = synchronized(this) { keys.map(::buffered) }
        val missing = keys.filterIndexed { i, _ -> local[i] == null }
        val fromReal = if (missing.isEmpty()) emptyList() else real().getMany(missing)
        var next = 0
        return local.map { found ->
            when {
                found === Miss -> null
                found != null -> found
                else -> fromReal[next++]
            }
        }
    }

    override suspend fun exists(key: String): Boolean {
        val found = synchronized(this) { buffered(key) }
        return if (found == null) real().exists(key) else found !== Miss
    }

    override suspend fun ttl(key: String): KeyTtl {
        val entry = synchronized(this) { pending[key] } ?: return real().ttl(key)
        if (entry !is Pending.Written || !entry.live) return KeyTtl.Missing
        val expiresAt = entry.expiresAt ?: return KeyTtl.Persistent
        return KeyTtl.Expiring(-expiresAt.elapsedNow())
    }

    override fun scan(pattern: String): Flow<String> =
        flow {
            val glob = GlobPattern(pattern)
            val snapshot = synchronized(this@TransactionBuffer) { HashMap(pending) }
            val seen = HashSet<String>()
            real().scan(pattern).collect { key ->
                seen += key
                val entry = snapshot[key]
                if (entry == null || (entry is Pending.Written && entry.live)) emit(key)
            }
            for ((key, entry) in snapshot) {
                if (key !in seen && entry is Pending.Written && entry.live && glob.matches(key)) emit(key)
            }
        }

    override suspend fun sizeOf(key: String): Long =
        when (val found = synchronized(this) { buffered(key) }) {
            null -> real().sizeOf(key)
            Miss -> 0
            is ByteArray -> found.size.toLong()
            else -> -1
        }

    override suspend fun keysCount(): Long {
        val snapshot = synchronized(this) { HashMap(pending) }
        val backend = real()
        var count = backend.keysCount()
        for ((key, entry) in snapshot) {
            val liveHere = entry is Pending.Written && entry.live
            val liveThere = backend.exists(key)
            if (liveHere && !liveThere) count++
            if (!liveHere && liveThere) count--
        }
        return count
    }

    override suspend fun ping(): Boolean = real().ping()

    // -- buffered writes -----------------------------------------------------------------------------------------

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean {
        lock(key)
        val written = Pending.Written(value, expiry(ttl))
        if (condition == SetCondition.ALWAYS) {
            synchronized(this) { pending[key] = written }
            return true
        }
        return decide(key) { entry ->
            val exists = if (entry == null) real().exists(key) else entry.liveValue() != null
            if (exists == (condition == SetCondition.IF_EXISTS)) Outcome(written, true) else Outcome(entry, false)
        }
    }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {
        for (key in entries.keys) lock(key)
        val expiresAt = expiry(ttl)
        synchronized(this) {
            for ((key, value) in entries) pending[key] = Pending.Written(value, expiresAt)
        }
    }

    override suspend fun delete(key: String): Boolean {
        lock(key)
        return markDeleted(key)
    }

    override suspend fun deleteMany(keys: Collection<String>): Long {
        for (key in keys) lock(key)
        return keys.count { markDeleted(it) }.toLong()
    }

    override suspend fun deleteMatch(pattern: String): Long {
        val keys = scan(pattern).toList()
        return deleteMany(keys)
    }

    override suspend fun expire(key: String, ttl: Duration): Boolean {
        lock(key)
        return decide(key) { entry ->
            val stored = if (entry == null) real().get(key) else entry.liveValue()
            if (stored == null) Outcome(entry, false) else Outcome(Pending.Written(stored, expiry(ttl)), true)
        }
    }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long {
        lock(key)
        return decide(key) { entry ->
            val stored: Any?
            val expiresAt: TimeMark?
            when {
                entry is Pending.Written && entry.live -> {
                    stored = entry.stored
                    expiresAt = entry.expiresAt
                }

                entry != null -> {
                    stored = null
                    expiresAt = expiry(ttl)
                }

                else -> {
                    stored = real().get(key)
                    val left = if (stored == null) null else real().ttl(key)
                    expiresAt =
                        if (left is KeyTtl.Expiring) {
                            expiry(left.remaining)
                        } else if (stored ==
                            null
                        ) {
                            expiry(ttl)
                        } else {
                            null
                        }
                }
            }
            val current = if (stored == null) 0L else integerOf(key, stored)
            val next =
                try {
                    Math.addExact(current, by)
                } catch (e: ArithmeticException) {
                    throw NotAnIntegerError("incr of key '$key' by $by would overflow ($current)")
                }
            val encoded: Any = if (route.serializer == null) next else next.toString().toByteArray(Charsets.US_ASCII)
            Outcome(Pending.Written(encoded, expiresAt), next)
        }
    }

    /** What a write that read first leaves in the buffer for its key, and what it answers. */
    private class Outcome<T>(
        val entry: Pending?,
        val answer: T,
    )

    /**
     * A write of [key] that reads first: [choose] decides from the key's buffered entry (`null` when none; it may ask
     * the backend, suspending) and is applied only if that entry is still the buffered one, else decided again. Two
     * coroutines of one transaction writing the same key thus act one after the other, as under a lock, without
     * holding one while the backend answers.
     */
    private suspend inline fun <T> decide(
        key: String,
        choose: (Pending?) -> Outcome<T>,
    ): T {
        while (true) {
            val entry = synchronized(this) { pending[key] }
            val outcome = choose(entry)
            synchronized(this) {
                if (pending[key] === entry) {
                    val chosen = outcome.entry
                    if (chosen !== entry) {
                        if (chosen == null) pending.remove(key) else pending[key] = chosen
                    }
                    return outcome.answer
                }
            }
        }
    }

    /** The value this entry holds while it is live; `null` for a delete or an expired write. */
    private fun Pending.liveValue(): Any? = if (this is Pending.Written && live) stored else null

    private fun integerOf(key: String, stored: Any): Long =
        when {
            isInteger(stored) -> (stored as Number).toLong()
            stored is ByteArray -> ValueSerializer.parseDecimal(stored)
            else -> null
        } ?: throw NotAnIntegerError("value at key '$key' is not an integer; incr left it unchanged")

    /** Buffers a delete of [key]; returns whether it was there to delete. */
    private suspend fun markDeleted(key: String): Boolean =
        decide(key) { entry ->
            Outcome(Pending.Deleted, if (entry == null) real().exists(key) else entry.liveValue() != null)
        }

    private fun expiry(ttl: Duration?): TimeMark? = ttl?.let { transaction.timeSource.markNow() + it }

    override suspend fun clear() {
        synchronized(this) { pending.clear() }
        real().clear()
    }

    // -- commit and rollback -------------------------------------------------------------------------------------

    /** What [commit] has yet to apply: taken from the buffer by its first call, emptied as it applies. */
    private var unapplied: HashMap<String, Pending>? = null

    /**
     * Applies the buffer, then releases the locks. An entry leaves [unapplied] only once its backend has answered, so
     * a commit interrupted by its coroutine's cancellation is finished by calling it again: an entry applied twice
     * writes the same value, or deletes the same key.
     */
    suspend fun commit() {
        // The buffer itself is taken, not copied: what a late child of the transaction writes goes to a new one.
        val left = unapplied ?: synchronized(this) { pending.also { pending = HashMap() } }.also { unapplied = it }
        val backend = real()
        var deletes: ArrayList<String>? = null
        val entries = left.entries.iterator()
        while (entries.hasNext()) {
            val (key, entry) = entries.next()
            val written = entry as? Pending.Written
            // The TTL left to the millisecond (not truncated to seconds, where < 1 s would mean "no expiry").
            val ttlLeft = written?.expiresAt?.let { -it.elapsedNow() }
            if (written != null && (ttlLeft == null || ttlLeft.isPositive())) {
                backend.set(key, written.stored, ttlLeft, SetCondition.ALWAYS)
                entries.remove()
            } else {
                (deletes ?: ArrayList<String>().also { deletes = it }) += key
            }
        }
        if (deletes != null) backend.deleteMany(deletes)
        left.clear()
        unapplied = null
        releaseLocks()
    }

    suspend fun rollback() {
        synchronized(this) { pending.clear() }
        unapplied = null
        releaseLocks()
    }

    // -- locks ---------------------------------------------------------------------------------------------------

    private suspend fun lock(key: String) {
        val mutex = lockMutex ?: return // FAST
        val lockKey = if (transaction.mode == TransactionMode.SERIALIZABLE) SERIALIZABLE_LOCK else "$LOCK_PREFIX$key"
        mutex.withLock {
            if (lockKey in held) return
            val locks = locks()
            // A free lock is taken at once, without arming a timeout.
            if (locks.setLock(lockKey, transaction.id, transaction.lockTtl)) {
                held += lockKey
                return
            }
            var step = FIRST_STEP
            val taken =
                withTimeoutOrNull(transaction.timeout) {
                    while (!locks.setLock(lockKey, transaction.id, transaction.lockTtl)) {
                        // A disabled or unreachable backend cannot lock; its writes are neutral anyway.
                        if (!real().ping()) return@withTimeoutOrNull false
                        delay(step)
                        step = (step * 2).coerceAtMost(MAX_STEP)
                    }
                    true
                }
            when (taken) {
                true -> {
                    held += lockKey
                }

                false -> {}

                null -> {
                    throw TransactionLockTimeoutError(
                        if (lockKey ==
                            SERIALIZABLE_LOCK
                        ) {
                            "*"
                        } else {
                            key
                        },
                        transaction.timeout,
                    )
                }
            }
        }
    }

    private suspend fun releaseLocks() {
        val locks = (lockMutex ?: return).withLock { held.toList().also { held.clear() } }
        if (locks.isEmpty()) return
        val backend = locks()
        for (lockKey in locks) backend.unlock(lockKey, transaction.id)
    }

    private suspend fun locks(): LockBackend = capability("a ${transaction.mode} transaction")

    // -- not transactional: straight through ---------------------------------------------------------------------

    private suspend inline fun <reified C : Any> capability(command: String): C =
        real().capability(
            command,
            route.backend,
        )

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        capability<LockBackend>("setLock").setLock(key, token, ttl)

    override suspend fun unlock(key: String, token: String): Boolean =
        capability<LockBackend>(
            "unlock",
        ).unlock(key, token)

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        capability<LockBackend>("renewLock").renewLock(key, token, ttl)

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> =
        capability<BitsBackend>("getBits").getBits(key, indexes, size)

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        capability<BitsBackend>("incrBits").incrBits(key, indexes, size, by)

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        capability<SlidingWindowBackend>("sliceIncr").sliceIncr(key, start, end, maxValue, ttl)

    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant =
        capability<TokenBucketBackend>("takeTokens").takeTokens(key, interval, burst, cost)

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        capability<SetBackend>("setAdd").setAdd(key, members, ttl)

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        capability<SetBackend>("setRemove").setRemove(key, members)

    override suspend fun setPop(key: String, count: Int): List<String> =
        capability<SetBackend>(
            "setPop",
        ).setPop(key, count)

    override suspend fun setMembers(key: String): Set<String> = capability<SetBackend>("setMembers").setMembers(key)

    override suspend fun close() {}

    override fun toString(): String = "${route.backend} in $transaction"

    private companion object {
        const val LOCK_PREFIX = "_tx_lock:"
        const val SERIALIZABLE_LOCK = "_tx_lock"
        val FIRST_STEP = 2.milliseconds
        val MAX_STEP = 50.milliseconds
    }
}

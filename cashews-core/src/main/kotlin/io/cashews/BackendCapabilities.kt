package io.cashews

import kotlin.time.Duration
import kotlin.time.toJavaDuration

/** Locks with owner tokens: only the holder of the token can release a lock; an expired lock is free. */
public interface LockBackend {
    /** Takes the lock at [key] for [ttl] with [token] if nobody holds it; returns whether it was taken. */
    public suspend fun setLock(key: String, token: String, ttl: Duration): Boolean

    /** Releases the lock at [key] if it is held with [token]; returns whether it was released. */
    public suspend fun unlock(key: String, token: String): Boolean

    /**
     * Extends the lock at [key] to expire [ttl] from now if it is still held with [token]; returns whether it is. A
     * holder renews its lease while a long job runs, so the lock outlives the job but not a crashed holder.
     */
    public suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean
}

/**
 * A lock backend that tells waiters when a lock is released, in this process or any other sharing the backend, so
 * they wake at once instead of polling. Waiters still check again now and then: a release can go unheard (a lock
 * that expires, a notice lost to a disconnect), and must only delay them, never strand them.
 */
public interface LockReleaseBackend {
    /**
     * Starts listening for releases of the lock at [key]. Open the watch *before* trying the lock, so that a release
     * between a failed try and the wait is not missed; close it when done.
     */
    public fun watchRelease(key: String): LockReleaseWatch
}

/** Listens for the release of one lock: see [LockReleaseBackend.watchRelease]. */
public interface LockReleaseWatch : AutoCloseable {
    /**
     * Suspends until a release of the lock is heard (`true`) or [timeout] has passed (`false`). It may also answer
     * `true` when releases may have been missed (after a reconnect): the caller tries the lock again either way.
     */
    public suspend fun await(timeout: Duration): Boolean

    /** Stops listening. */
    override fun close()
}

/**
 * Arrays of unsigned saturating counters of `size` bits packed in one value, laid out as Redis `BITFIELD u<size>
 * #<index>` lays them out (big-endian bit order), so the same key reads alike on every backend.
 */
public interface BitsBackend {
    /** The counters at [indexes]; a missing key reads as zeros. */
    public suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long>

    /** Adds [by] to the counters at [indexes], saturating at `0` and `2^size - 1`; returns their new values. */
    public suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long>
}

/** A sliding-window log: the atomic primitive under sliding-window rate limits. */
public interface SlidingWindowBackend {
    /**
     * Drops entries before [start] and counts the entries left, including any recorded at a time after [end] (by a
     * caller whose clock is ahead). When fewer than [maxValue], records one entry at [end] (every call its own, even
     * at a time already recorded) and returns the count including it, `1..maxValue`; otherwise records nothing and
     * returns `maxValue + 1`, so a result over [maxValue] always means refused. [ttl], when given, is set on the key
     * by every call that changes the log (a refusal may leave it as it is: the key then still outlives its entries).
     */
    public suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long
}

/**
 * Token buckets by the generic cell rate algorithm (GCRA): the atomic primitive under [Cache.tokenBucket]. A bucket
 * holds at most `burst` tokens and gains one every `interval`; its whole state is one number, the theoretical
 * arrival time, kept at the key with a TTL after which the bucket is full again. Each backend reads its own clock
 * (Redis its server's), so every process sharing a bucket agrees on the time.
 */
public interface TokenBucketBackend {
    /**
     * Takes [cost] tokens from the bucket at [key] if it holds them, else takes nothing and tells how long until it
     * will. [cost] is at most [burst].
     */
    public suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant
}

/** What [TokenBucketBackend.takeTokens] answers. */
public class TokenGrant(
    /** Whether the tokens were taken. */
    public val admitted: Boolean,
    /** The whole tokens left in the bucket after this call. */
    public val remaining: Long,
    /** How long until the tokens asked for will be there; zero when [admitted]. */
    public val retryAfter: Duration,
) {
    /** [retryAfter] for Java, where the property's getter has a mangled name. */
    @JvmName("getRetryAfter")
    public fun retryAfterJavaDuration(): java.time.Duration = retryAfter.toJavaDuration()

    override fun toString(): String =
        if (admitted) "TokenGrant(admitted, $remaining left)" else "TokenGrant(refused, retry after $retryAfter)"
}

/**
 * A message bus between the processes sharing a backend, for the local tier (`local=size:ttl`): a process that
 * writes or deletes keys tells the others, which drop their local copies of them. Delivery is best effort (Redis
 * pub/sub); the local tier's TTL bounds how long a lost message can leave a copy stale.
 */
public interface InvalidationBusBackend {
    /** Tells the other processes that [keys] changed; `null` means every key (a clear, a pattern delete). */
    public suspend fun publishInvalidation(keys: Collection<String>?)

    /**
     * Starts hearing the other processes' invalidations: [listener] gets their keys, or `null` when every copy must go
     * (everything, or messages that may have been missed while disconnected). Close the answer to stop.
     */
    public fun listenInvalidations(listener: (keys: Collection<String>?) -> Unit): AutoCloseable
}

/** Sets of strings. */
public interface SetBackend {
    /** Adds [members]; returns how many were new. [ttl], when given, is (re)set on the key. */
    public suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long

    /** Removes [members]; returns how many were present. */
    public suspend fun setRemove(key: String, members: Collection<String>): Long

    /** Removes and returns up to [count] arbitrary members; empty for a missing key. */
    public suspend fun setPop(key: String, count: Int): List<String>

    /** All members; empty for a missing key. */
    public suspend fun setMembers(key: String): Set<String>
}

/**
 * A byte backend that keeps copies of values in this process (a client-side cache) and knows when they are current:
 * the cache reads them without suspending. The backend owns their correctness: a copy it answers with must be what
 * [Backend.get] would return now, as far as the backend can know (Redis: tracked by `CLIENT TRACKING`, dropped on
 * invalidation and on disconnect).
 */
public interface LocalCopyBackend {
    /**
     * The current local copy of [key], or `null` when there is none (the cache then calls [Backend.get]). Called on
     * the hit path of every read: it must not block, suspend or do I/O.
     */
    public fun localCopy(key: String): LocalCopy?
}

/**
 * A backend that keeps expired entries until it sweeps them ([MemoryBackend], the disk backend), and can sweep on
 * demand: [Cache.removeExpired], aquiche's `remove_expired()`. Backends whose server expires keys itself (Redis) are
 * not one.
 */
public interface ExpirySweepingBackend {
    /**
     * Removes every entry that has expired now, instead of waiting for the next scheduled sweep; returns how many
     * were removed.
     */
    public suspend fun removeExpired(): Long
}

/**
 * A backend that evicts entries to stay within a size bound and says which: the cache forwards each eviction to its
 * [CacheEventListener]s. Listeners are called on the evicting thread and must be fast.
 */
public interface EvictingBackend {
    /** Calls [listener] with the key of every entry evicted from now on (not for expiry or deletes). */
    public fun addEvictionListener(listener: (key: String) -> Unit)
}

/**
 * An object backend that answers reads without suspending: values held in this process's memory, as
 * [MemoryBackend] holds them. The cache's hit path reads it directly, so a hit on it neither suspends nor allocates,
 * and concurrent `cached` callers of a key read it each rather than share one read (a shared read only pays where a
 * read costs a round trip).
 *
 * Implement it on a backend of your own only if [getNow] is as cheap as a map lookup: it runs on the caller's thread
 * for every hit. It is used only while nothing stands between the cache and the backend (no interceptor, nothing
 * disabled) and the backend stores objects ([Backend.storesObjects]).
 */
public interface ImmediateReadBackend {
    /**
     * The live value at [key], exactly as [Backend.get] would answer it (`null` when missing or expired), without
     * suspending or blocking.
     */
    public fun getNow(key: String): Any?
}

/**
 * An object backend that takes unconditional writes without suspending, as [MemoryBackend] does. The Java face writes
 * through it directly (`JavaCache.set(...)` completes before it returns, with no coroutine), under the same
 * conditions as [ImmediateReadBackend]: nothing stands between the cache and the backend, and it stores objects.
 *
 * Implement it only if [setNow] is as cheap as a map write: it runs on the caller's thread.
 */
public interface ImmediateWriteBackend {
    /**
     * Stores [value] at [key] for [ttl] (`null`: no expiry), exactly as [Backend.set] with [SetCondition.ALWAYS]
     * would, without suspending or blocking; returns whether the write happened.
     */
    public fun setNow(
        key: String,
        value: Any,
        ttl: Duration?,
    ): Boolean
}

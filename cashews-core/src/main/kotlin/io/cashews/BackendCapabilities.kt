package io.cashews

import kotlin.time.Duration

/** Locks with owner tokens: only the holder of the token can release a lock; an expired lock is free. */
public interface LockBackend {
    /** Takes the lock at [key] for [ttl] with [token] if nobody holds it; returns whether it was taken. */
    public suspend fun setLock(key: String, token: String, ttl: Duration): Boolean

    /** Releases the lock at [key] if it is held with [token]; returns whether it was released. */
    public suspend fun unlock(key: String, token: String): Boolean
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
 * A backend that evicts entries to stay within a size bound and says which: the cache forwards each eviction to its
 * [CacheEventListener]s. Listeners are called on the evicting thread and must be fast.
 */
public interface EvictingBackend {
    /** Calls [listener] with the key of every entry evicted from now on (not for expiry or deletes). */
    public fun addEvictionListener(listener: (key: String) -> Unit)
}

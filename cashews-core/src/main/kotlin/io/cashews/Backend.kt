package io.cashews

import kotlinx.coroutines.flow.Flow
import kotlin.time.Duration

/**
 * The storage SPI under a [Cache]: a small set of suspend commands over string keys.
 *
 * A backend either stores objects as given ([storesObjects] `true`, the in-memory backend without a codec) or
 * stores bytes: the cache then encodes every value to a [ByteArray] through its codec before calling [set], and
 * decodes what [get] returns. Counters written by [incr] are plain integers: `Long` in an object backend, decimal
 * ASCII bytes in a bytes backend, so other clients (`redis-cli GET`) can read them.
 *
 * Values are never `null`: the cache stores its own marker for a `null` result. A missing or expired key is
 * answered by `null` from [get].
 *
 * Expiry follows Redis: a [set] without a TTL stores a key that never expires and clears any TTL it had; [incr]
 * applies its TTL only when it creates the key. Patterns are Redis globs (`*`, `?`, `[...]`, `\` escapes).
 *
 * Locks, bit counters, sliding windows and sets are capability interfaces ([LockBackend], [BitsBackend],
 * [SlidingWindowBackend], [SetBackend]) that every bundled backend implements atomically.
 */
public interface Backend {
    /** `true` when values are kept as the objects given to [set]; `false` when they must be [ByteArray]s. */
    public val storesObjects: Boolean

    /** Connects or starts background work. Called by the cache exactly once, before the first command. */
    public suspend fun init() {}

    /** The stored value, or `null` when the key is missing or expired. */
    public suspend fun get(key: String): Any?

    /** The stored values of [keys] in the same order, `null` for each missing key. */
    public suspend fun getMany(keys: List<String>): List<Any?>

    /**
     * Stores [value] at [key] if [condition] holds; [ttl] `null` means no expiry (and clears an existing TTL).
     * Returns whether the write happened.
     */
    public suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean

    /** Stores every entry with the same [ttl] (`null`: no expiry). */
    public suspend fun setMany(entries: Map<String, Any>, ttl: Duration?)

    /** Deletes [key]; returns whether it existed. */
    public suspend fun delete(key: String): Boolean

    /** Deletes [keys]; returns how many existed. */
    public suspend fun deleteMany(keys: Collection<String>): Long

    /** Deletes every key matching the glob [pattern]; returns how many were deleted. */
    public suspend fun deleteMatch(pattern: String): Long

    /** Every live key matching the glob [pattern], each once, in no particular order. */
    public fun scan(pattern: String): Flow<String>

    /** Whether [key] exists and has not expired. */
    public suspend fun exists(key: String): Boolean

    /** Sets a new [ttl] on an existing key; returns `false` when the key is missing. */
    public suspend fun expire(key: String, ttl: Duration): Boolean

    /** Whether [key] is missing, persistent, or expiring (with the time left). */
    public suspend fun ttl(key: String): KeyTtl

    /**
     * Adds [by] to the integer at [key] (a missing key counts as 0) and returns the new value. [ttl] applies only
     * when this call creates the key. A value that is not an integer, or an overflow, fails with
     * [NotAnIntegerError] and leaves the value unchanged.
     */
    public suspend fun incr(key: String, by: Long, ttl: Duration?): Long

    /** The stored size of the value in bytes, `0` for a missing key, `-1` when the backend cannot tell. */
    public suspend fun sizeOf(key: String): Long

    /** The number of live keys this backend holds. */
    public suspend fun keysCount(): Long

    /** Whether the backend answers. */
    public suspend fun ping(): Boolean

    /** Removes every key this backend owns (never more than that: a shared database is not flushed). */
    public suspend fun clear()

    /** Releases connections and background work. */
    public suspend fun close()
}

package io.cashews

import io.cashews.internal.BloomHash

/**
 * A Bloom filter kept in the cache's backend, so processes sharing the backend share it: [add] elements, then ask
 * [mightContain]. It never answers `false` for an added element; it answers `true` for an element never added at a
 * rate of at most the `falsePositives` it was made with, as long as it holds no more than its capacity.
 *
 * ```
 * val emails = cache.bloom(name = "emails", capacity = 1_000_000, falsePositives = 0.001)
 * suspend fun taken(email: String) = emails.check(email) { users.existsByEmail(email) }
 * ```
 *
 * Made by [Cache.bloom]; the bits live at `"$prefix:$name:$bits"` as Redis `BITFIELD u1` counters, so a filter
 * resized by another capacity or rate starts empty instead of reading a layout it was not made for.
 */
public class BloomFilter internal constructor(
    private val cache: Cache,
    /** Where the bits are stored. */
    public val key: String,
    /** The number of bits. */
    public val bits: Long,
    /** The number of bits each element sets. */
    public val hashes: Int,
    private val checkFalsePositive: Boolean,
) {
    /** Adds [element]. */
    public suspend fun add(element: String) {
        cache.incrBits(key, BloomHash.positions(element, bits, hashes), 1, 1)
    }

    /**
     * Adds [element] only when none of its bits is set yet, so it shares no bit with an element added before; returns
     * whether it was added. Not atomic across processes: two may both add, as two plain [add]s would.
     */
    internal suspend fun addIfClear(element: String): Boolean {
        val positions = BloomHash.positions(element, bits, hashes)
        if (cache.getBits(key, positions, 1).any { it != 0L }) return false
        cache.incrBits(key, positions, 1, 1)
        return true
    }

    /** `false` when [element] was certainly never added; `true` when it probably was. */
    public suspend fun mightContain(element: String): Boolean =
        cache.getBits(key, BloomHash.positions(element, bits, hashes), 1).all { it == 1L }

    /**
     * The filter as a strategy in front of an exact but costly [check]: `false` at once for an element never added;
     * for one that might have been, [check]'s answer (or `true` without calling it when the filter was made with
     * `checkFalsePositive = false`).
     */
    public suspend fun check(element: String, check: suspend () -> Boolean): Boolean {
        if (!mightContain(element)) return false
        return !checkFalsePositive || check()
    }

    /** Runs [block] and adds [element] when it answers `true`; returns that answer. */
    public suspend fun set(element: String, block: suspend () -> Boolean): Boolean {
        val answer = block()
        if (answer) add(element)
        return answer
    }

    override fun toString(): String = "BloomFilter($key, bits=$bits, hashes=$hashes)"
}

/**
 * A [BloomFilter] named [name] for [capacity] elements with a false-positive rate of at most [falsePositives]
 * (a rate: `0.01` is 1 %). Sized by the standard formulas, `m = -n·ln p / (ln 2)²` bits and `k = m/n·ln 2` hashes,
 * with `m` rounded up so that the expected rate at capacity stays under [falsePositives].
 *
 * @param checkFalsePositive whether [BloomFilter.check] confirms a `true` with the exact check.
 * @throws IllegalArgumentException when [capacity] is not positive or [falsePositives] is not in (0, 1).
 */
public fun Cache.bloom(
    name: String,
    capacity: Long,
    falsePositives: Double = 0.01,
    checkFalsePositive: Boolean = true,
    prefix: String = "bloom",
): BloomFilter {
    val (bits, hashes) = BloomHash.size(capacity, falsePositives)
    return BloomFilter(this, "${strategyKey(prefix, name)}:$bits", bits, hashes, checkFalsePositive)
}

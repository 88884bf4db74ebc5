package io.cashews.internal

import kotlin.math.ceil
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.pow
import kotlin.math.roundToInt

/**
 * Sizing and bit positions of Bloom filters. The positions depend on nothing but the element's UTF-8 bytes: the
 * same on every JVM and in every version with the same layout, whatever libraries are on the classpath.
 */
internal object BloomHash {
    /** Bits and hash count for [capacity] elements at a false-positive rate of at most [falsePositives]. */
    fun size(capacity: Long, falsePositives: Double): Pair<Long, Int> {
        require(capacity > 0) { "capacity must be positive, was $capacity" }
        require(falsePositives > 0.0 && falsePositives < 1.0) {
            "falsePositives is a rate in (0, 1), was $falsePositives"
        }
        // The standard m = -n·ln p / (ln 2)², k = m/n·ln 2, then m grown while rounding k leaves the expected rate
        // at capacity above a margin under p: the measured rate then stays within p.
        val target = falsePositives * TARGET_MARGIN
        var bits = ceil(-capacity * ln(falsePositives) / (LN2 * LN2)).toLong()
        while (true) {
            val hashes = (bits.toDouble() / capacity * LN2).roundToInt().coerceAtLeast(1)
            if (expectedRate(bits, hashes, capacity) <= target) {
                require(bits <= Int.MAX_VALUE) {
                    "a filter of $capacity elements at $falsePositives needs $bits bits, over ${Int.MAX_VALUE}"
                }
                return bits to hashes
            }
            bits += (bits / 100).coerceAtLeast(1)
        }
    }

    fun expectedRate(bits: Long, hashes: Int, elements: Long): Double =
        (1 - exp(-hashes.toDouble() * elements / bits)).pow(hashes)

    /**
     * The [hashes] bit positions of [element] in a filter of [bits] bits: the element's 64-bit hash mixed once per
     * position with a different offset. Plain double hashing (`h1 + i·h2`) measured a false-positive rate above the
     * expected one; independent mixes match it.
     */
    fun positions(element: String, bits: Long, hashes: Int): List<Int> {
        val h = fnv1a64(element.encodeToByteArray())
        return List(hashes) { i -> Math.floorMod(mix(h + (i + 1) * GOLDEN), bits).toInt() }
    }

    private fun fnv1a64(bytes: ByteArray): Long {
        var hash = FNV_OFFSET
        for (b in bytes) hash = (hash xor (b.toLong() and 0xff)) * FNV_PRIME
        return hash
    }

    // SplitMix64's finaliser: FNV alone spreads short, similar strings poorly over the low bits.
    private fun mix(value: Long): Long {
        var z = value
        z = (z xor (z ushr 30)) * -0x40a7b892e31b1a47L
        z = (z xor (z ushr 27)) * -0x6b2fb644ecceee15L
        return z xor (z ushr 31)
    }

    private val LN2 = ln(2.0)
    private const val TARGET_MARGIN = 0.95
    private const val FNV_OFFSET = -0x340d631b7bdddcdbL
    private const val FNV_PRIME = 0x100000001b3L
    private const val GOLDEN = -0x61c8864680b583ebL
}

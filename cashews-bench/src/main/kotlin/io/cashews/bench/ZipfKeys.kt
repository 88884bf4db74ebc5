package io.cashews.bench

import kotlin.math.pow
import kotlin.random.Random

/**
 * Keys drawn from a scrambled Zipfian distribution (YCSB's generator, theta 0.99), as in Caffeine's
 * `GetPutBenchmark`: a few keys are hot, most are cold, and hot keys are spread over the key space.
 */
public object ZipfKeys {
    private const val THETA = 0.99

    /** [slots] keys drawn over [items] distinct ones with a fixed [seed], so every run sees the same sequence. */
    @JvmStatic
    public fun generate(slots: Int, items: Int, seed: Long = 42): Array<String> {
        val random = Random(seed)
        val zetaN = zeta(items)
        val alpha = 1.0 / (1.0 - THETA)
        val eta = (1 - (2.0 / items).pow(1 - THETA)) / (1 - zeta(2) / zetaN)
        return Array(slots) {
            val u = random.nextDouble()
            val uz = u * zetaN
            val rank =
                when {
                    uz < 1.0 -> 0L
                    uz < 1.0 + 0.5.pow(THETA) -> 1L
                    else -> (items * (eta * u - eta + 1).pow(alpha)).toLong()
                }
            "key:" + Math.floorMod(fnv64(rank), items.toLong())
        }
    }

    private fun zeta(n: Int): Double = (1..n).sumOf { 1.0 / it.toDouble().pow(THETA) }

    private fun fnv64(value: Long): Long {
        var hash = -0x340d631b7bdddcdbL
        var v = value
        repeat(8) {
            hash = hash xor (v and 0xff)
            hash *= 0x100000001b3L
            v = v ushr 8
        }
        return hash
    }
}

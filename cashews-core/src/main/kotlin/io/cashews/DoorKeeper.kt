package io.cashews

import io.cashews.internal.BloomHash
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicLongArray

/**
 * An admission filter (cacheme's `DoorKeeper`): a key's first load is returned but not stored; only a key loaded a
 * second time is. One-hit wonders, keys asked for once and never again, then never take a slot of the cache or a
 * write to the backend. Give one to a caching policy (`CachedPolicy(…, doorKeeper = DoorKeeper(100_000))`, or
 * `doorKeeper =` on `cached`); policies may share one.
 *
 * The keys seen are kept in a Bloom filter in this process, sized for [capacity] keys at [falsePositives]. A false
 * positive admits a key on its first load, which only costs the write admission would have saved. After [capacity]
 * keys the filter starts again empty, so it keeps describing recent traffic: a key seen once before the reset needs
 * two more loads. Each process keeps its own, so a key needs its second load in the same process.
 */
public class DoorKeeper
    @JvmOverloads
    constructor(
        /** How many distinct keys are remembered before the filter starts again; positive. */
        public val capacity: Long,
        /** The rate of keys admitted on their first load, in (0, 1). */
        public val falsePositives: Double = 0.01,
    ) {
        private val bits: Long
        private val hashes: Int

        init {
            require(capacity > 0) { "doorKeeper capacity must be positive, was $capacity" }
            require(falsePositives > 0.0 && falsePositives < 1.0) {
                "doorKeeper falsePositives is a rate in (0, 1), was $falsePositives"
            }
            val (bits, hashes) = BloomHash.size(capacity, falsePositives)
            this.bits = bits
            this.hashes = hashes
        }

        private val words = AtomicLongArray(((bits + WORD - 1) / WORD).toInt())
        private val added = AtomicLong()

        /**
         * Whether [key] is admitted: `true` when it was seen before (or collides with keys that were), `false` the
         * first time, which records it.
         */
        public fun admit(key: String): Boolean {
            var seen = true
            for (position in BloomHash.positions(key, bits, hashes)) {
                val word = position / WORD
                val mask = 1L shl (position % WORD)
                if (words.getAndUpdate(word) { it or mask } and mask == 0L) seen = false
            }
            if (!seen && added.incrementAndGet() >= capacity) reset()
            return seen
        }

        /** Forgets every key seen. */
        public fun reset() {
            added.set(0)
            for (i in 0 until words.length()) words.set(i, 0L)
        }

        override fun toString(): String = "DoorKeeper(capacity=$capacity, falsePositives=$falsePositives)"

        private companion object {
            const val WORD = 64
        }
    }

package io.cashews.bench

import io.cashews.Cache
import io.cashews.cached
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.TimeSource

/**
 * The cold-key stampede: [WORKERS] coroutines start together on a cold cache, each asking for one key drawn from
 * a Zipf distribution over [KEYS] keys, and every load takes [LOADER] (a suspending delay, like a remote call).
 *
 * Ideal: one load per distinct key, and the whole run as long as one load, since all loads can overlap. Prints
 * loads, distinct keys, wall time and its ratio to the ideal, over [ROUNDS] rounds, each on a new cache.
 */
public object StampedeTrace {
    private const val WORKERS = 1_000
    private const val KEYS = 1_000
    private const val ROUNDS = 5
    private val LOADER = 50.milliseconds

    /** Runs the rounds and prints one line per round. */
    @JvmStatic
    public fun main(args: Array<String>) {
        println("stampede: $WORKERS coroutines, Zipf over $KEYS keys, ${LOADER.inWholeMilliseconds} ms loader, cold cache")
        println("round  loads  distinct  wall_ms  wall/ideal")
        repeat(ROUNDS) { round ->
            val keys = ZipfKeys.generate(WORKERS, KEYS, seed = 42L + round)
            val cache = Cache("mem://?size=${2 * KEYS}")
            val loads = AtomicInteger()
            val started = TimeSource.Monotonic.markNow()
            runBlocking(Dispatchers.Default) {
                keys
                    .map { key ->
                        async {
                            cache.cached(1.hours, key) {
                                loads.incrementAndGet()
                                delay(LOADER)
                                key
                            }
                        }
                    }.awaitAll()
            }
            val wall = started.elapsedNow()
            val ratio = wall / LOADER
            println(
                "%5d  %5d  %8d  %7d  %10.2f".format(round + 1, loads.get(), keys.toSet().size, wall.inWholeMilliseconds, ratio),
            )
            check(loads.get() == keys.toSet().size) { "loads (${loads.get()}) differ from distinct keys" }
            runBlocking { cache.close() }
        }
    }
}

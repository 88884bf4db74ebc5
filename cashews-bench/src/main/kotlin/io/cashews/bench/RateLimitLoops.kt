package io.cashews.bench

import io.cashews.Cache
import io.cashews.rateLimit
import io.cashews.sliceRateLimit
import io.github.bucket4j.Bucket
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import kotlin.time.Duration.Companion.hours

/**
 * The rate-limit decision loops: [BATCH] decisions over consecutive keys of a per-thread start, each answering
 * admitted (`true`) or refused (`false`) without an exception, for cashews and for Bucket4j alike.
 */
public object RateLimitLoops {
    /** Decisions per benchmark invocation; the Java benchmarks declare it as `@OperationsPerInvocation`. */
    public const val BATCH: Int = 1024

    /** A limit no run reaches: every decision is an admission, the path a healthy service takes. */
    public const val UNREACHED: Long = 1_000_000_000_000L

    /** Fixed-window decisions with a limit never reached (one hour windows). */
    @JvmStatic
    public fun fixedWindow(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) {
                bh.consume(cache.rateLimit(UNREACHED, 1.hours, keys[index++ and mask], action = { false }) { true })
            }
            index
        }

    /** Sliding-window decisions on keys whose window is full: 100 per second, every decision here a refusal. */
    @JvmStatic
    public fun slidingWindowFull(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) {
                bh.consume(cache.sliceRateLimit(100, 1.hours, keys[index++ and mask], action = { false }) { true })
            }
            index
        }

    /** Bucket4j `tryConsume(1)` on the bucket of each key, found in a map as a keyed limiter must find it. */
    @JvmStatic
    public fun bucket4j(buckets: Map<String, Bucket>, keys: Array<String>, start: Int, bh: Blackhole): Int {
        var index = start
        val mask = keys.size - 1
        repeat(BATCH) { bh.consume(buckets.getValue(keys[index++ and mask]).tryConsume(1)) }
        return index
    }

    /** A bucket of [capacity] tokens refilled in full every hour. */
    @JvmStatic
    public fun bucket(capacity: Long): Bucket =
        Bucket
            .builder()
            .addLimit { it.capacity(capacity).refillIntervally(capacity, java.time.Duration.ofHours(1)) }
            .build()

    /** Fills the sliding window of every key of [keys] up to its limit of 100. */
    @JvmStatic
    public fun fillSlidingWindows(cache: Cache, keys: Array<String>): Unit =
        runBlocking {
            for (key in keys.distinct()) repeat(100) { cache.sliceRateLimit(100, 1.hours, key) { } }
        }
}

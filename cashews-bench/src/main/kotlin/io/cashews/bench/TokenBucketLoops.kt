package io.cashews.bench

import io.cashews.Cache
import io.cashews.tokenBucket
import io.github.bucket4j.Bucket
import io.github.bucket4j.BucketConfiguration
import io.github.bucket4j.distributed.AsyncBucketProxy
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce
import io.lettuce.core.api.StatefulRedisConnection
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import java.time.Duration
import kotlin.time.Duration.Companion.hours

/**
 * Token-bucket decisions, ours and Bucket4j's, with the same bucket: [CAPACITY] tokens refilled at [CAPACITY] an hour,
 * so a run never exhausts it and every decision admits (the path a healthy service takes).
 */
public object TokenBucketLoops {
    /** Decisions per benchmark invocation. */
    public const val BATCH: Int = 1024

    /** Tokens per bucket and per hour: more than any run takes. */
    public const val CAPACITY: Long = 1_000_000_000L

    /** Our token bucket on [cache], over consecutive keys from [start]; [concurrency] coroutines at a time. */
    @JvmStatic
    public fun cashews(cache: Cache, keys: Array<String>, start: Int, concurrency: Int, bh: Blackhole): Int {
        val mask = keys.size - 1
        inFlight(BATCH, concurrency) { i ->
            bh.consume(cache.tokenBucket(CAPACITY, 1.hours, keys[(start + i) and mask], action = { false }) { true })
        }
        return start + BATCH
    }

    /** A Bucket4j bucket with the same limit, in this process. */
    @JvmStatic
    public fun localBucket(): Bucket = Bucket.builder().addLimit(limit()).build()

    /** Bucket4j's in-process buckets, found in a map by key. */
    @JvmStatic
    public fun bucket4jLocal(buckets: Map<String, Bucket>, keys: Array<String>, start: Int, bh: Blackhole): Int {
        val mask = keys.size - 1
        for (i in 0 until BATCH) bh.consume(buckets.getValue(keys[(start + i) and mask]).tryConsume(1))
        return start + BATCH
    }

    /** Bucket4j's Redis buckets over Lettuce (compare-and-swap), one proxy per key, as its docs build them. */
    @JvmStatic
    public fun redisBuckets(connection: StatefulRedisConnection<String, ByteArray>, keys: Array<String>): Map<String, AsyncBucketProxy> {
        val proxies =
            Bucket4jLettuce
                .casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .build()
                .asAsync()
        val configuration = BucketConfiguration.builder().addLimit(limit()).build()
        return keys.distinct().associateWith { proxies.builder().build(it) { java.util.concurrent.CompletableFuture.completedFuture(configuration) } }
    }

    /** Bucket4j's Redis buckets, [concurrency] decisions in flight at a time. */
    @JvmStatic
    public fun bucket4jRedis(buckets: Map<String, AsyncBucketProxy>, keys: Array<String>, start: Int, concurrency: Int, bh: Blackhole): Int {
        val mask = keys.size - 1
        inFlight(BATCH, concurrency) { i -> bh.consume(buckets.getValue(keys[(start + i) and mask]).tryConsume(1).await()) }
        return start + BATCH
    }

    /** Takes one token of every bucket, so the first measured decision finds it in place. */
    @JvmStatic
    public fun warm(cache: Cache, keys: Array<String>): Unit =
        runBlocking { for (key in keys.distinct()) cache.tokenBucket(CAPACITY, 1.hours, key) { } }

    private fun limit(): io.github.bucket4j.Bandwidth =
        io.github.bucket4j.Bandwidth.builder().capacity(CAPACITY).refillGreedy(CAPACITY, Duration.ofHours(1)).build()
}

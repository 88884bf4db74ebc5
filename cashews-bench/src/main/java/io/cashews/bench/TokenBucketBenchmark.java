package io.cashews.bench;

import io.cashews.Cache;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Token-bucket decisions per millisecond beside Bucket4j in the same run, over 1 024 client keys: on the memory
 * backend against Bucket4j's in-process buckets, and on a redis-server this benchmark starts on loopback against
 * Bucket4j's Lettuce buckets (compare-and-swap), {@code concurrency} decisions in flight on one connection each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenBucketBenchmark {
    @Param({"1", "16"})
    public int concurrency;

    String[] keys;
    Cache memory;
    Map<String, Bucket> localBuckets;
    RedisFixture redis;
    Cache onRedis;
    Map<String, AsyncBucketProxy> redisBuckets;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) keys[i] = "client:" + i;
        memory = new Cache("mem://?size=100000");
        localBuckets = new HashMap<>();
        for (String key : keys) localBuckets.put(key, TokenBucketLoops.localBucket());
        redis = new RedisFixture();
        onRedis = new Cache(redis.url());
        redisBuckets = TokenBucketLoops.redisBuckets(redis.connection, keys);
        TokenBucketLoops.warm(memory, keys);
        TokenBucketLoops.warm(onRedis, keys);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            RedisLoops.close(memory);
        } finally {
            redis.close(onRedis);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TokenBucketLoops.BATCH)
    public void cashewsMemory(Blackhole bh) {
        next = TokenBucketLoops.cashews(memory, keys, next, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(TokenBucketLoops.BATCH)
    public void bucket4jLocal(Blackhole bh) {
        next = TokenBucketLoops.bucket4jLocal(localBuckets, keys, next, bh);
    }

    @Benchmark
    @OperationsPerInvocation(TokenBucketLoops.BATCH)
    public void cashewsRedis(Blackhole bh) {
        next = TokenBucketLoops.cashews(onRedis, keys, next, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(TokenBucketLoops.BATCH)
    public void bucket4jRedis(Blackhole bh) {
        next = TokenBucketLoops.bucket4jRedis(redisBuckets, keys, next, concurrency, bh);
    }
}

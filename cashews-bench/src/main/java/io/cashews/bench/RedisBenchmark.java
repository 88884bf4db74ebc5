package io.cashews.bench;

import io.cashews.Cache;
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
 * {@code get} hits and {@code set}s through our Redis backend against raw Lettuce async GET/SET on its own
 * connection, in the same run, on a redis-server this benchmark starts on loopback. {@code concurrency} coroutines
 * each await one command at a time. Both sides move the same bytes: the raw side reads and writes the JSON envelope
 * our cache stores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisBenchmark {
    @Param({"1", "16", "256"})
    public int concurrency;

    RedisFixture redis;
    Cache cache;
    String[] keys;
    byte[] stored;
    static final String VALUE = "a cached value of a realistic size, around eighty bytes of JSON text in all";

    @Setup(Level.Trial)
    public void setUp() {
        redis = new RedisFixture();
        cache = new Cache(redis.url());
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) keys[i] = "bench:" + i;
        stored = RedisLoops.populate(cache, keys, VALUE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        redis.close(cache);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void cashewsGet(Blackhole bh) {
        RedisLoops.cashewsGet(cache, keys, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void lettuceGet(Blackhole bh) {
        RedisLoops.lettuceGet(redis.raw, keys, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void cashewsSet(Blackhole bh) {
        RedisLoops.cashewsSet(cache, keys, VALUE, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void lettuceSet(Blackhole bh) {
        RedisLoops.lettuceSet(redis.raw, keys, stored, concurrency, bh);
    }
}

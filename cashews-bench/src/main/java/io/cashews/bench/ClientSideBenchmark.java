package io.cashews.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.cashews.Cache;
import io.cashews.redis.RedisBackend;
import java.util.List;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Hits on the Redis backend's client-side cache ({@code client_side=true}) against the two things it stands between:
 * a Redis GET on loopback (raw Lettuce, one at a time) and a Caffeine {@code getIfPresent} in the same coroutine
 * loop shape, in the same run. 1024 keys, each holding the JSON envelope of an 80-byte string, all held as copies.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClientSideBenchmark {
    RedisFixture redis;
    Cache cache;
    com.github.benmanes.caffeine.cache.Cache<String, Object> caffeine;
    String[] keys;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        redis = new RedisFixture();
        cache = new Cache();
        RedisBackend backend = (RedisBackend) cache.setup(redis.url() + "?client_side=true", "", Map.of(), null, List.of());
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) keys[i] = "bench:" + i;
        RedisLoops.populate(cache, keys, RedisBenchmark.VALUE);
        RedisLoops.warmCopies(cache, backend, keys);
        caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
        for (String key : keys) caffeine.put(key, RedisBenchmark.VALUE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        redis.close(cache);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void clientSideGet(Blackhole bh) {
        next = RedisLoops.localGet(cache, keys, next, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void clientSideCachedHit(Blackhole bh) {
        next = RedisLoops.localCachedHit(cache, keys, next, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void caffeineHit(Blackhole bh) {
        next = HitLoops.caffeineInCoroutine(caffeine, keys, next, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void redisGet(Blackhole bh) {
        RedisLoops.lettuceGet(redis.raw, keys, 1, bh);
    }
}

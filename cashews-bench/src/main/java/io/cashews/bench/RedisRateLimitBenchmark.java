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
 * Fixed-window rate-limit decisions on one hot key through our Redis backend, {@code concurrency} coroutines at a
 * time on its one connection, against raw Lettuce {@code EVALSHA} of the very script the backend runs (the JVM
 * client's ceiling on that connection). The redis-benchmark ceiling for the same script is measured from the shell:
 * see BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisRateLimitBenchmark {
    /** The backend's INCR script, byte for byte: setUp checks that Redis knows it by the same SHA after one decision. */
    static final String INCR_SCRIPT = String.join("\n",
        "local existed = redis.call('EXISTS', KEYS[1])",
        "local value = redis.call('INCRBY', KEYS[1], ARGV[1])",
        "if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end",
        "return value");

    @Param({"1", "16", "256"})
    public int concurrency;

    RedisFixture redis;
    Cache cache;
    String sha;

    @Setup(Level.Trial)
    public void setUp() {
        redis = new RedisFixture();
        cache = new Cache(redis.url());
        sha = redis.connection.sync().digest(INCR_SCRIPT);
        RedisLoops.hotKeyRateLimit(cache, "rate:hot", 1, new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous."));
        if (!redis.connection.sync().scriptExists(sha).get(0)) {
            throw new IllegalStateException("the benchmark's script is not the one the backend runs");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        redis.close(cache);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void cashewsRateLimit(Blackhole bh) {
        RedisLoops.hotKeyRateLimit(cache, "rate:hot", concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RedisLoops.BATCH)
    public void lettuceEvalsha(Blackhole bh) {
        RedisLoops.hotKeyEvalsha(redis.raw, sha, "raw:hot", concurrency, bh);
    }
}

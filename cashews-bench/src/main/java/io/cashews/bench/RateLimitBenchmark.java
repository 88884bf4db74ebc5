package io.cashews.bench;

import io.cashews.Cache;
import io.github.bucket4j.Bucket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Rate-limit decisions per second on the memory backend, on one hot key and spread over 10 000 keys, side by side
 * with Bucket4j's in-process buckets (one per key, found in a map) in the same run. Two situations: a limit never
 * reached (every decision admits), and a limit long exhausted (every decision refuses).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimitBenchmark {
    static final int SLOTS = 1 << 14;

    @Param({"1", "10000"})
    int distinctKeys;

    String[] keys;
    Cache admitting;
    Cache full;
    Map<String, Bucket> admittingBuckets;
    Map<String, Bucket> emptyBuckets;

    @Setup
    public void setUp() {
        keys = new String[SLOTS];
        for (int i = 0; i < SLOTS; i++) keys[i] = "client:" + (i % distinctKeys);
        admitting = new Cache("mem://?size=100000");
        full = new Cache("mem://?size=100000");
        RateLimitLoops.fillSlidingWindows(full, keys);
        admittingBuckets = new HashMap<>();
        emptyBuckets = new HashMap<>();
        for (String key : keys) {
            admittingBuckets.computeIfAbsent(key, k -> RateLimitLoops.bucket(RateLimitLoops.UNREACHED));
            emptyBuckets.computeIfAbsent(key, k -> {
                Bucket bucket = RateLimitLoops.bucket(100);
                bucket.tryConsume(100);
                return bucket;
            });
        }
    }

    /** Fixed window, limit never reached: one atomic increment per decision. */
    @Benchmark
    @OperationsPerInvocation(RateLimitLoops.BATCH)
    public void cashewsFixedWindowAdmits(ThreadIndex thread, Blackhole bh) {
        thread.index = RateLimitLoops.fixedWindow(admitting, keys, thread.index, bh);
    }

    /** The anchor of the admitting contestants. */
    @Benchmark
    @OperationsPerInvocation(RateLimitLoops.BATCH)
    public void bucket4jAdmits(ThreadIndex thread, Blackhole bh) {
        thread.index = RateLimitLoops.bucket4j(admittingBuckets, keys, thread.index, bh);
    }

    /** Sliding window of 100 per hour, full: every decision refuses (and logs nothing). */
    @Benchmark
    @OperationsPerInvocation(RateLimitLoops.BATCH)
    public void cashewsSlidingWindowRefuses(ThreadIndex thread, Blackhole bh) {
        thread.index = RateLimitLoops.slidingWindowFull(full, keys, thread.index, bh);
    }

    /** The anchor of the refusing contestants: buckets with no tokens left. */
    @Benchmark
    @OperationsPerInvocation(RateLimitLoops.BATCH)
    public void bucket4jRefuses(ThreadIndex thread, Blackhole bh) {
        thread.index = RateLimitLoops.bucket4j(emptyBuckets, keys, thread.index, bh);
    }
}

package io.cashews.bench;

import io.cashews.Cache;
import io.cashews.CachedFunction1;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Batching on a redis-server this benchmark starts on loopback. One invocation is {@value BatchLoops#REQUESTS}
 * requests, each a coroutine asking for one of {@value BatchLoops#KEYS} stored keys, {@code callers} at a time on
 * {@code Dispatchers.Default}: {@code cached} calls on a cache with {@code coalesce} off and on, and calls of a
 * handle with a bulk loader, coalescing off and on. Round trips are the commands that reached Redis, reported per
 * invocation. And one {@code cachedMany} of {@value BatchLoops#MANY} keys against as many concurrent {@code cached}
 * calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchBenchmark {
    @Param({"256", "1000"})
    public int callers;

    RedisFixture redis;
    Cache plain;
    Cache coalescing;
    BatchLoops.RoundTrips plainTrips = new BatchLoops.RoundTrips();
    BatchLoops.RoundTrips coalescingTrips = new BatchLoops.RoundTrips();
    CachedFunction1<Integer, String> handle;
    CachedFunction1<Integer, String> coalescingHandle;
    int[] draws;
    int next;

    /**
     * Round trips and requests, as JMH sums them over an iteration: their ratio is the round trips per request.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Trips {
        public long roundTrips;
        public long requests;

        void add(long trips, int made) {
            roundTrips += trips;
            requests += made;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        redis = new RedisFixture();
        plain = new Cache(redis.url());
        coalescing = new Cache(redis.url() + "?coalesce=true");
        BatchLoops.populate(plain);
        plain.addInterceptor(plainTrips);
        coalescing.addInterceptor(coalescingTrips);
        handle = BatchLoops.handle(plain, false);
        coalescingHandle = BatchLoops.handle(plain, true);
    }

    @Setup(Level.Invocation)
    public void draw() {
        draws = BatchLoops.draws(next++);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            RedisLoops.close(coalescing);
        } finally {
            redis.close(plain);
        }
    }

    @Benchmark
    public void cachedCoalesceOff(Trips trips, Blackhole bh) {
        long before = plainTrips.getCount().get();
        BatchLoops.cachedRequests(plain, draws, callers, bh);
        trips.add(plainTrips.getCount().get() - before, BatchLoops.REQUESTS);
    }

    @Benchmark
    public void cachedCoalesceOn(Trips trips, Blackhole bh) {
        long before = coalescingTrips.getCount().get();
        BatchLoops.cachedRequests(coalescing, draws, callers, bh);
        trips.add(coalescingTrips.getCount().get() - before, BatchLoops.REQUESTS);
    }

    @Benchmark
    public void handleCoalesceOff(Trips trips, Blackhole bh) {
        long before = plainTrips.getCount().get();
        BatchLoops.handleRequests(handle, draws, callers, bh);
        trips.add(plainTrips.getCount().get() - before, BatchLoops.REQUESTS);
    }

    @Benchmark
    public void handleCoalesceOn(Trips trips, Blackhole bh) {
        long before = plainTrips.getCount().get();
        BatchLoops.handleRequests(coalescingHandle, draws, callers, bh);
        trips.add(plainTrips.getCount().get() - before, BatchLoops.REQUESTS);
    }

    @Benchmark
    public void cachedMany100(Trips trips, Blackhole bh) {
        long before = plainTrips.getCount().get();
        BatchLoops.cachedMany(plain, next * 7919, bh);
        trips.add(plainTrips.getCount().get() - before, BatchLoops.MANY);
    }

    @Benchmark
    public void cached100(Trips trips, Blackhole bh) {
        long before = plainTrips.getCount().get();
        BatchLoops.manyCached(plain, next * 7919, bh);
        trips.add(plainTrips.getCount().get() - before, BatchLoops.MANY);
    }
}

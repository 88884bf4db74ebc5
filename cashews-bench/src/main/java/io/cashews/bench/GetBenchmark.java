package io.cashews.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.cashews.Cache;
import io.cashews.CachedFunction1;
import io.cashews.CachedFunction2;
import io.cashews.JavaCache;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Read hits on a prepopulated in-memory cache over a 2^15-slot scrambled Zipf workload (100% hits), side by side
 * with raw Caffeine in the same run: plain {@code getIfPresent}, and {@code getIfPresent} on a Caffeine cache
 * configured as ours is (variable per-entry expiry), which isolates the cost of our layer from the cost of expiry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GetBenchmark {
    static final int SIZE = 1 << 15;
    static final int ITEMS = SIZE / 3;

    String[] keys;
    com.github.benmanes.caffeine.cache.Cache<String, Object> caffeine;
    com.github.benmanes.caffeine.cache.Cache<String, Object> caffeineWithExpiry;
    Cache cashews;
    Cache cashewsWithTtl;
    JavaCache javaCache;

    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(SIZE, ITEMS, 42);
        caffeine = Caffeine.newBuilder().maximumSize(2 * SIZE).build();
        caffeineWithExpiry = Caffeine.newBuilder()
            .maximumSize(2 * SIZE)
            .expireAfter(Expiry.<String, Object>creating((key, value) -> java.time.Duration.ofHours(1)))
            .build();
        cashews = new Cache("mem://?size=" + (2 * SIZE));
        javaCache = JavaCache.of(cashews);
        Integer value = 1;
        for (String key : keys) {
            caffeine.put(key, value);
            caffeineWithExpiry.put(key, value);
        }
        HitLoops.populate(cashews, keys, value, null);
        cashewsWithTtl = new Cache("mem://?size=" + (2 * SIZE));
        HitLoops.populate(cashewsWithTtl, keys, value, java.time.Duration.ofHours(1));
    }

    /**
     * Function handles over the workload, loaded on a cache of their own. A separate state, so only the handle
     * benchmarks pay for loading them: the loads' misses would otherwise shape how the JIT compiles the other
     * contestants' read path before they run.
     */
    @State(Scope.Benchmark)
    public static class Handles {
        Long[] ids;
        CachedFunction1<Long, Integer> handle1;
        CachedFunction2<String, Long, Integer> handle2;

        @Setup
        public void setUp() {
            Cache cache = new Cache("mem://?size=" + (4 * SIZE));
            ids = HitLoops.ids(ZipfKeys.generate(SIZE, ITEMS, 42));
            handle1 = HitLoops.handle1(cache, ids);
            handle2 = HitLoops.handle2(cache, ids);
        }
    }

    /** A function handle's hit, key of one argument: `userById(id)`. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsHandleHit1(Handles handles, ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.handleHit1(handles.handle1, handles.ids, thread.index, bh);
    }

    /** A function handle's hit, key of two arguments: `page(site, id)`. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsHandleHit2(Handles handles, ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.handleHit2(handles.handle2, handles.ids, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void caffeineGetIfPresent(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeine(caffeine, keys, thread.index, bh);
    }

    /** The anchor of the suspend contestants: raw Caffeine in the same coroutine loop they run in. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void caffeineGetIfPresentInCoroutine(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeineInCoroutine(caffeine, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void caffeineGetWithLoader(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeineGetWithLoader(caffeine, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsCachedHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(cashews, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void caffeineWithExpiryGetIfPresent(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeine(caffeineWithExpiry, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsSuspendGet(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.suspendGet(cashews, keys, thread.index, bh);
    }

    /** {@code get<Any>}: a type that may be a container, whose hits also ask whether the value holds elements. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsSuspendGetAny(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.suspendGetAny(cashews, keys, thread.index, bh);
    }

    /** The coroutine loop alone, without a cache read: the floor the suspend contestants are measured against. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void suspendHarnessOnly(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.suspendHarness(keys, thread.index, bh);
    }

    /** Entries written with a TTL: each hit also reads the precise clock to check the entry's own expiry. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsSuspendGetWithTtl(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.suspendGet(cashewsWithTtl, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void cashewsJavaFacadeGet(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.javaFacadeGet(javaCache, keys, thread.index, bh);
    }
}

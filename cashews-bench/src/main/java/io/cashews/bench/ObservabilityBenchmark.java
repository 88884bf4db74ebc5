package io.cashews.bench;

import io.cashews.Cache;
import io.cashews.micrometer.CacheMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
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
 * What observing a cache costs on the in-memory {@code cached {}} hit path, against the bare hit path in the same
 * run: one no-op interceptor, a {@code detect} block recording every hit, stats, and Micrometer (event meters
 * only, and with a latency timer per command). Same workload as {@link GetBenchmark}: 100% hits over a Zipf key
 * stream.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ObservabilityBenchmark {
    String[] keys;
    Cache bare;
    Cache intercepted;
    Cache observed;
    Cache withStats;
    Cache withEventMeters;
    Cache withCommandTimers;

    private Cache populated() {
        Cache cache = new Cache("mem://?size=" + (2 * GetBenchmark.SIZE));
        HitLoops.populate(cache, keys, 1, null);
        return cache;
    }

    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 42);
        bare = populated();
        intercepted = populated();
        intercepted.addInterceptor(ObservabilityLoops.noOpInterceptor());
        observed = populated();
        observed.addInterceptor(ObservabilityLoops.noOpObserver());
        withStats = populated();
        withStats.setRecordStats(true);
        withEventMeters = populated();
        new CacheMetrics(withEventMeters, "bench", List.of(), false).bindTo(new SimpleMeterRegistry());
        withCommandTimers = populated();
        new CacheMetrics(withCommandTimers, "bench").bindTo(new SimpleMeterRegistry());
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void bareHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(bare, keys, thread.index, bh);
    }

    /** One observing interceptor (a `CommandObserver` that does nothing): the hit keeps its immediate path. */
    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void noOpObserverHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(observed, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void noOpInterceptorHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(intercepted, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void detectHit(ThreadIndex thread, Blackhole bh) {
        thread.index = ObservabilityLoops.cachedHitDetected(bare, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void statsHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(withStats, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void micrometerEventsHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(withEventMeters, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(HitLoops.BATCH)
    public void micrometerTimedHit(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.cachedHit(withCommandTimers, keys, thread.index, bh);
    }
}

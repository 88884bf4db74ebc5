package io.cashews.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * The hit path of the JVM caches side by side, over the same 2^15-slot scrambled Zipf workload as
 * {@link GetBenchmark}: read-only, write-only, and 6 readers with 2 writers (Caffeine's {@code GetPutBenchmark}
 * shape). Ratios are to raw Caffeine {@code getIfPresent} in the same run; see BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PeersBenchmark {
    @Param({
        "concurrentHashMap", "caffeine", "caffeineExpiry", "caffeineAsync", "aedile", "cache4k", "jetcacheLocal",
        "cashewsGet", "cashewsCached", "cashewsCachedTemplate", "cashewsCachedPositional", "cashewsHandle",
        "cashewsJavaFacade", "cashewsJavaHandle", "cashewsRealistic", "cashewsRealisticSampled"
    })
    public String contender;

    String[] keys;
    Peers.Contender cache;

    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 42);
        cache = Peers.contender(contender, keys);
    }

    @Benchmark
    @OperationsPerInvocation(Peers.BATCH)
    public void readOnly(ThreadIndex thread, Blackhole bh) {
        thread.index = cache.read(keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(Peers.BATCH)
    public void writeOnly(ThreadIndex thread, Blackhole bh) {
        thread.index = cache.write(keys, thread.index, bh);
    }

    @Benchmark
    @Group("readWrite")
    @GroupThreads(6)
    @OperationsPerInvocation(Peers.BATCH)
    public void readers(ThreadIndex thread, Blackhole bh) {
        thread.index = cache.read(keys, thread.index, bh);
    }

    @Benchmark
    @Group("readWrite")
    @GroupThreads(2)
    @OperationsPerInvocation(Peers.BATCH)
    public void writers(ThreadIndex thread, Blackhole bh) {
        thread.index = cache.write(keys, thread.index, bh);
    }
}

package io.cashews.bench;

import io.cashews.Cache;
import io.cashews.TransactionMode;
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
 * Transaction overhead per mode on the in-memory backend: one unit of work reads one key and writes another, bare
 * or in its own transaction (buffered, then committed; LOCKED and SERIALIZABLE also take and release a lock through
 * the backend). The reference claims 0–7 % (fast), 4–9 % (locked) and 7–50 % (serializable) without a benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TransactionBenchmark {
    String[] keys;
    Cache cache;

    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 7);
        cache = new Cache("mem://?size=" + (2 * GetBenchmark.SIZE));
        HitLoops.populate(cache, keys, 1, null);
    }

    @Benchmark
    @OperationsPerInvocation(ObservabilityLoops.TX_BATCH)
    public void bare(ThreadIndex thread, Blackhole bh) {
        thread.index = ObservabilityLoops.readWrite(cache, null, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(ObservabilityLoops.TX_BATCH)
    public void fast(ThreadIndex thread, Blackhole bh) {
        thread.index = ObservabilityLoops.readWrite(cache, TransactionMode.FAST, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(ObservabilityLoops.TX_BATCH)
    public void locked(ThreadIndex thread, Blackhole bh) {
        thread.index = ObservabilityLoops.readWrite(cache, TransactionMode.LOCKED, keys, thread.index, bh);
    }

    @Benchmark
    @OperationsPerInvocation(ObservabilityLoops.TX_BATCH)
    public void serializable(ThreadIndex thread, Blackhole bh) {
        thread.index = ObservabilityLoops.readWrite(cache, TransactionMode.SERIALIZABLE, keys, thread.index, bh);
    }
}

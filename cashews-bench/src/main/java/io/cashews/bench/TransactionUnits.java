package io.cashews.bench;

import io.cashews.Cache;
import io.cashews.TransactionMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The transaction benchmarks' contestants, on whatever cache a subclass sets up: one unit of work reads one key and
 * writes another, bare or in its own transaction of each mode ({@link ObservabilityLoops#readWrite}).
 */
public abstract class TransactionUnits {
    Cache cache;
    String[] keys;

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

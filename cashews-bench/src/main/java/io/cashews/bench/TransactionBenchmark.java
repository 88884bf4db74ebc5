package io.cashews.bench;

import io.cashews.Cache;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

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
public class TransactionBenchmark extends TransactionUnits {
    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 7);
        cache = new Cache("mem://?size=" + (2 * GetBenchmark.SIZE));
        HitLoops.populate(cache, keys, 1, null);
    }
}

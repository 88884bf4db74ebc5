package io.cashews.bench;

import io.cashews.Cache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Gets and sets of 1 KB values through {@code Cache("disk://…")} (8 shards) at {@code concurrency} coroutines,
 * against raw sqlite-jdbc doing the same single-row statements on one file in a plain loop (the ceiling), and the
 * in-memory backend for scale, in the same run. 1 024 keys, all present for gets. Files in a temporary directory
 * removed afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DiskBenchmark {
    @Param({"1", "16"})
    public int concurrency;

    Path directory;
    Cache disk;
    Cache memory;
    DiskLoops.Raw raw;
    String[] keys;
    String value;
    byte[] valueBytes;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        directory = Files.createTempDirectory("cashews-disk-bench");
        disk = new Cache("disk://?directory=" + directory.resolve("cache") + "&shards=8&size_limit=0");
        memory = new Cache("mem://?size=10000");
        raw = new DiskLoops.Raw(directory.resolve("raw.sqlite").toString());
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) keys[i] = "bench:" + i;
        value = "v".repeat(1024);
        valueBytes = value.getBytes();
        DiskLoops.populate(disk, keys, value);
        DiskLoops.populate(memory, keys, value);
        raw.set(keys, valueBytes, new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous."));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            raw.close();
            DiskLoops.close(disk);
            DiskLoops.close(memory);
        } finally {
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void diskGet(Blackhole bh) {
        DiskLoops.get(disk, keys, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void diskSet(Blackhole bh) {
        DiskLoops.set(disk, keys, value, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void rawGet(Blackhole bh) {
        raw.get(keys, bh);
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void rawSet(Blackhole bh) {
        raw.set(keys, valueBytes, bh);
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void memoryGet(Blackhole bh) {
        DiskLoops.get(memory, keys, concurrency, bh);
    }

    @Benchmark
    @OperationsPerInvocation(DiskLoops.BATCH)
    public void memorySet(Blackhole bh) {
        DiskLoops.set(memory, keys, value, concurrency, bh);
    }
}

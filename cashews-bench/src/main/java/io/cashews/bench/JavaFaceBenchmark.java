package io.cashews.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.java.BlockingCache;
import io.cashews.java.CachedFunction;
import java.util.concurrent.CompletableFuture;
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
 * The Java face as Java code calls it, in plain Java loops, beside raw Caffeine in the same run: a function handle's
 * hit with its future ({@code apply(id).join()}) and its blocking form ({@code applyBlocking(id)}), the future and
 * blocking {@code get}, and the future {@code set}. Reads are hits on the 2^15-slot scrambled Zipf workload of
 * {@link GetBenchmark}; each invocation makes {@value BATCH} calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JavaFaceBenchmark {
    static final int BATCH = 1024;

    String[] keys;
    Long[] ids;
    com.github.benmanes.caffeine.cache.Cache<String, Object> caffeine;
    com.github.benmanes.caffeine.cache.Cache<String, Object> caffeineWithExpiry;
    JavaCache javaCache;
    BlockingCache blocking;
    CachedFunction<Long, Integer> userById;

    @Setup
    public void setUp() throws InterruptedException {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 42);
        ids = HitLoops.ids(keys);
        caffeine = Caffeine.newBuilder().maximumSize(2 * GetBenchmark.SIZE).build();
        caffeineWithExpiry = Caffeine.newBuilder()
            .maximumSize(2 * GetBenchmark.SIZE)
            .expireAfterWrite(java.time.Duration.ofHours(1))
            .build();
        javaCache = JavaCache.of(new Cache("mem://?size=" + (4 * GetBenchmark.SIZE)));
        blocking = javaCache.blocking();
        userById = javaCache.cached(Integer.class).ttl("1h").key("user:{id}")
            .build(id -> CompletableFuture.completedFuture(id.intValue()));
        Integer value = 1;
        for (int i = 0; i < keys.length; i++) {
            caffeine.put(keys[i], value);
            caffeineWithExpiry.put(keys[i], value);
            blocking.set(keys[i], value);
            userById.apply(ids[i]).join();
        }
    }

    /** The anchor: raw Caffeine's {@code getIfPresent}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void caffeineGetIfPresent(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeine(caffeine, keys, thread.index, bh);
    }

    /**
     * The anchor of entries that expire, as the handle's do ({@code ttl("1h")}): Caffeine's {@code getIfPresent} on a
     * cache with {@code expireAfterWrite}, which reads the clock on every hit as ours does.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void caffeineWithExpiryGetIfPresent(ThreadIndex thread, Blackhole bh) {
        thread.index = HitLoops.caffeine(caffeineWithExpiry, keys, thread.index, bh);
    }

    /** The anchor of writes: raw Caffeine's {@code put} of the value already there. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void caffeinePut(ThreadIndex thread) {
        int index = thread.index;
        int mask = keys.length - 1;
        Integer value = 1;
        for (int i = 0; i < BATCH; i++) caffeine.put(keys[index++ & mask], value);
        thread.index = index;
    }

    /** A function handle's hit, with its future: {@code userById.apply(id).join()}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void handleApply(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = ids.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(userById.apply(ids[index++ & mask]).join());
        thread.index = index;
    }

    /** The same hit through the blocking form: {@code userById.applyBlocking(id)}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void handleApplyBlocking(ThreadIndex thread, Blackhole bh) throws InterruptedException {
        int index = thread.index;
        int mask = ids.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(userById.applyBlocking(ids[index++ & mask]));
        thread.index = index;
    }

    /** A plain read with its future: {@code jc.get(key, Integer.class).join()}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void futureGet(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(javaCache.get(keys[index++ & mask], Integer.class).join());
        thread.index = index;
    }

    /** The same read through the blocking face: {@code jc.blocking().get(key, Integer.class)}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void blockingGet(ThreadIndex thread, Blackhole bh) throws InterruptedException {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(blocking.get(keys[index++ & mask], Integer.class));
        thread.index = index;
    }

    /** A write with its future: {@code jc.set(key, value).join()}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void futureSet(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        Integer value = 1;
        for (int i = 0; i < BATCH; i++) bh.consume(javaCache.set(keys[index++ & mask], value).join());
        thread.index = index;
    }
}

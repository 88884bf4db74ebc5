package io.cashews.bench;

import io.cashews.Cache;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link TransactionBenchmark}'s unit of work (read one key, write another) on our Redis backend, on a redis-server
 * this benchmark starts on loopback: bare, or each unit in its own transaction of each mode. This is where the
 * reference's overhead claims (0–7 % fast, 4–9 % locked, 7–50 % serializable) can be checked: a command costs a round
 * trip, and LOCKED and SERIALIZABLE add a lock taken and released through Redis per unit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedisTransactionBenchmark extends TransactionUnits {
    RedisFixture redis;

    @Setup(Level.Trial)
    public void setUp() {
        redis = new RedisFixture();
        cache = new Cache(redis.url());
        keys = new String[1024];
        for (int i = 0; i < keys.length; i++) keys[i] = "tx:" + i;
        HitLoops.populate(cache, keys, 1, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        redis.close(cache);
    }
}

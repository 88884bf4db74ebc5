package io.cashews.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second through a real CIO server on loopback, {@value #IN_FLIGHT} requests in flight from the JDK
 * HTTP client: a route cached by the plugin (its handler waits 10 ms, once), the same route uncached (10 ms every
 * time), and a constant {@code respondText} (the ceiling), in the same run. Each invocation sends {@value #REQUESTS}
 * requests and waits for every answer: the load is bounded and stops by itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KtorBenchmark {
    static final int REQUESTS = 256;
    static final int IN_FLIGHT = 16;

    KtorServer server;

    @Setup(Level.Trial)
    public void setUp() {
        server = new KtorServer();
        server.load("/cached", 1, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public void constant() {
        server.load("/constant", REQUESTS, IN_FLIGHT);
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public void cached() {
        server.load("/cached", REQUESTS, IN_FLIGHT);
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public void uncachedBackend() {
        server.load("/backend", REQUESTS, IN_FLIGHT);
    }
}

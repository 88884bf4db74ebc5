package io.cashews.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.Command;
import io.cashews.Detected;
import io.cashews.JavaCache;
import io.cashews.RateLimitError;
import io.cashews.TransactionMode;
import io.cashews.java.BlockingCache;
import io.cashews.java.CachedFunction;
import io.cashews.java.CachedSupplier;
import io.cashews.test.RedisProcess;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Java face on a real redis-server, storing Java records as JSON through cashews-jackson. */
class JavaRedisTest {
    record Price(String sku, long cents, Instant at) {}

    private static RedisProcess redis;
    private static JavaCache jc;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
        jc = JavaCache.of(new Cache(redis.getUrl() + "?codec=jackson"));
    }

    @AfterAll
    static void stop() {
        jc.getCache().close();
        redis.close();
    }

    @BeforeEach
    void empty() {
        jc.clear().join();
    }

    private static CompletableFuture<Price> price(String sku, AtomicInteger loads) {
        return CompletableFuture.completedFuture(new Price(sku, 100L * loads.incrementAndGet(), Instant.parse("2026-12-03T00:00:00Z")));
    }

    @Test
    void theCachedBuilderLoadsOnceForConcurrentCallersAndInvalidates() {
        AtomicInteger loads = new AtomicInteger();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CachedFunction<String, Price> prices = jc.cached(Price.class).ttl("1h").key("price:{sku}").tags("prices").lock(true)
            .build(sku -> gate.thenCompose(x -> price(sku, loads)));

        List<CompletableFuture<Price>> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) callers.add(prices.apply("a"));
        gate.complete(null);

        for (CompletableFuture<Price> caller : callers) assertEquals(100L, caller.join().cents());
        assertEquals(1, loads.get());
        assertEquals(new Price("a", 100L, Instant.parse("2026-12-03T00:00:00Z")), jc.get("price:a", Price.class).join());
        assertTrue(prices.invalidate("a").join());
        assertEquals(200L, prices.apply("a").join().cents());
        jc.deleteTags(List.of("prices")).join();
        assertEquals(300L, prices.apply("a").join().cents());
    }

    @Test
    void theOtherStrategyBuildersRunOnRedis() {
        AtomicInteger earlyLoads = new AtomicInteger();
        AtomicInteger hitLoads = new AtomicInteger();
        AtomicInteger dynamicLoads = new AtomicInteger();
        CachedFunction<String, Price> early = jc.early(Price.class).ttl("1h").earlyTtl("10m").key("p:{sku}")
            .build(sku -> price(sku, earlyLoads));
        CachedFunction<String, Price> hit = jc.hit(Price.class).ttl("1h").cacheHits(2).key("p:{sku}")
            .build(sku -> price(sku, hitLoads));
        CachedSupplier<Price> dynamic = jc.dynamic(Price.class).key("p:any").build(() -> price("any", dynamicLoads));

        assertEquals(early.apply("e").join(), early.apply("e").join());
        assertEquals(hit.apply("h").join(), hit.apply("h").join());
        Price first = dynamic.get().join();
        assertEquals(first, dynamic.get().join(), "the second call is served from Redis (a refresh may follow it)");
        assertEquals(1, earlyLoads.get());
        assertEquals(1, hitLoads.get());
        assertEquals(100L, first.cents());
        assertTrue(jc.exists("early:p:e").join());
        assertTrue(jc.exists("hit:p:h").join());
        assertTrue(jc.exists("dynamic:p:any").join());
    }

    @Test
    void softAndFailoverServeTheLastGoodValueWhenTheLoaderFailsWithTheirExceptions() {
        AtomicReference<CompletableFuture<String>> next = new AtomicReference<>(CompletableFuture.completedFuture("good"));
        CachedSupplier<String> soft = jc.soft(String.class).ttl("1h").softTtl(Duration.ofMillis(1)).key("rates")
            .exceptions(IOException.class).build(() -> next.get());
        CachedSupplier<String> failover = jc.failover(String.class).ttl("1h").key("rates")
            .exceptions(IOException.class).build(() -> next.get());
        assertEquals("good", soft.get().join());
        assertEquals("good", failover.get().join());

        next.set(CompletableFuture.failedFuture(new IOException("upstream down")));
        assertEquals("good", failover.get().join());
        next.set(CompletableFuture.failedFuture(new IllegalStateException("not one of its exceptions")));
        CompletionException failed = assertThrows(CompletionException.class, () -> failover.get().join());
        assertInstanceOf(IllegalStateException.class, failed.getCause());
    }

    @Test
    void theLockedBuilderRunsOneCallerAtATime() {
        CompletableFuture<String> release = new CompletableFuture<>();
        var locked = jc.locked(String.class).ttl("1m").wait(false);

        CompletableFuture<String> first = locked.get("report", () -> release);
        CompletionException busy = assertThrows(CompletionException.class, () ->
            locked.get("report", () -> CompletableFuture.completedFuture("second")).join());
        assertInstanceOf(io.cashews.LockedError.class, busy.getCause());
        release.complete("first");
        assertEquals("first", first.join());
    }

    @Test
    void transactionsCommitOrRollBackOnRedis() {
        jc.transaction(TransactionMode.LOCKED, tx -> tx.set("balance:a", 100L).thenCompose(x -> tx.incr("balance:a", -30, null)))
            .join();
        assertEquals(70L, jc.get("balance:a", Long.class).join());

        assertThrows(CompletionException.class, () -> jc.transaction(tx -> tx.incr("balance:a", -100, null)
            .thenCompose(left -> CompletableFuture.failedFuture(new IllegalStateException("insufficient funds")))).join());
        assertEquals(70L, jc.get("balance:a", Long.class).join());
    }

    @Test
    void scopedCallsReachTheCommandsOfTheirBlockOnRedis() {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<String, Price> prices = jc.cached(Price.class).ttl("1h").key("price:{sku}")
            .build(sku -> price(sku, loads));
        prices.apply("a").join();

        Detected<Price> detected = jc.detect(() -> prices.apply("a")).join();
        assertEquals(List.of("price:a"), detected.getHits().stream().map(h -> h.getKey()).toList());
        assertEquals(200L, jc.invalidateFurther(() -> prices.apply("a")).join().cents());
        assertEquals(300L, jc.disabling(EnumSet.of(Command.GET), () -> prices.apply("a")).join().cents());
        jc.invalidate("price:{sku}", Map.of("sku", "a"), () -> CompletableFuture.completedFuture(null)).join();
        assertFalse(jc.exists("price:a").join());

        List<String> set = new CopyOnWriteArrayList<>();
        jc.callback(EnumSet.of(Command.SET), (command, result) -> set.addAll(command.getKeys()), () -> prices.apply("b")).join();
        assertEquals(List.of("price:b"), set);
    }

    @Test
    void theGuardsKeepTheirStateInRedis() {
        var limit = jc.rateLimit(1, Duration.ofMinutes(1));
        assertEquals("in", limit.call("user:1", () -> CompletableFuture.completedFuture("in")).join());
        CompletionException refused = assertThrows(CompletionException.class, () ->
            limit.call("user:1", () -> CompletableFuture.completedFuture("over")).join());
        assertInstanceOf(RateLimitError.class, refused.getCause());
        assertTrue(jc.exists("rate_limit:user:1").join());
    }

    @Test
    void aHandleBuiltWithLocalServesItsValuesInThisProcessUntilInvalidated() {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<String, Price> prices = jc.cached(Price.class).ttl("1h").key("local-price:{sku}").local("100:1m")
            .build(sku -> price(sku, loads));
        JavaCache plain = JavaCache.of(new Cache(redis.getUrl() + "?codec=jackson"));
        try {
            assertEquals(100L, prices.apply("b").join().cents());
            assertEquals(100L, prices.apply("b").join().cents()); // read from Redis, now kept here
            // A write that does not go through a cache with a local tier tells no one: the copy serves until its TTL.
            plain.set("local-price:b", new Price("b", 1L, Instant.EPOCH)).join();
            assertEquals(100L, prices.apply("b").join().cents());
            assertTrue(prices.invalidate("b").join());
            assertEquals(200L, prices.apply("b").join().cents());
            assertEquals(2, loads.get());
        } finally {
            plain.getCache().close();
        }
    }

    @Test
    void theBlockingFaceWaitsForRedisAndAnInterruptEndsTheWaitOnAFrozenServer() throws Exception {
        BlockingCache blocking = JavaCache.of(new Cache(redis.getUrl() + "?codec=jackson&socket_timeout=60s&suppress=false")).blocking();
        blocking.set("k", new Price("k", 1, Instant.EPOCH));
        assertEquals(new Price("k", 1, Instant.EPOCH), blocking.get("k", Price.class));

        redis.freeze();
        try {
            CountDownLatch interrupted = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    blocking.get("k", Price.class);
                } catch (InterruptedException expected) {
                    interrupted.countDown();
                }
            });
            reader.start();
            awaitParked(reader);

            reader.interrupt();

            assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the read waiting on a frozen server was interrupted");
            reader.join();
        } finally {
            redis.thaw();
        }
        assertEquals(new Price("k", 1, Instant.EPOCH), blocking.get("k", Price.class));
        blocking.getAsync().getCache().close();
    }

    /** Waits, yielding, until [thread] parks: the state a waiting command leaves it in. Bounded; no clock involved. */
    private static void awaitParked(Thread thread) {
        for (long i = 0; i < 100_000_000L; i++) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) return;
            Thread.yield();
        }
        throw new AssertionError("the thread never parked: " + thread.getState());
    }
}

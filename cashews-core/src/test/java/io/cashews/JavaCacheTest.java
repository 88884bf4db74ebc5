package io.cashews;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.java.FutureInterceptor;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class JavaCacheTest {
    record Point(int x, int y) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private final JavaCache cache = JavaCache.of(new Cache("mem://?size=100"));

    @Test
    void valuesRoundTripWithJavaDurations() {
        assertTrue(cache.set("user:1", "ann", Duration.ofHours(3)).join());
        assertEquals("ann", cache.get("user:1", String.class).join());
        assertInstanceOf(KeyTtl.Expiring.class, cache.ttl("user:1").join());
        assertNull(cache.get("missing", String.class).join());
    }

    @Test
    void anInMemoryHitCompletesOnTheCallingThread() {
        cache.set("k", 42).join();
        CompletableFuture<Integer> hit = cache.get("k", Integer.class);
        assertTrue(hit.isDone(), "a memory hit must complete before get returns");
        assertEquals(42, hit.join());
    }

    @Test
    void anInMemoryWriteCompletesOnTheCallingThreadUnlessSomethingStandsInBetween() {
        CompletableFuture<Boolean> write = cache.set("k", "v", Duration.ofMinutes(1));
        assertTrue(write.isDone(), "a memory write must complete before set returns");
        assertTrue(write.join());
        assertEquals("v", cache.get("k", String.class).join());
        assertInstanceOf(KeyTtl.Expiring.class, cache.ttl("k").join());

        AtomicInteger seen = new AtomicInteger();
        cache.addInterceptor(new FutureInterceptor() {
            @Override
            public <R> CompletableFuture<R> intercept(FutureInterceptor.Chain<R> chain) {
                seen.incrementAndGet();
                return chain.proceed(chain.getCommand());
            }
        });
        assertTrue(cache.set("k", "w").join());
        assertEquals(1, seen.get(), "with an interceptor, the write goes through it");
        assertThrows(CompletionException.class, () -> cache.set("k", "v", Duration.ofSeconds(-1)).join());
    }

    @Test
    void valuesOfAnotherTypeReadAsNull() {
        cache.set("s", "text").join();
        assertNull(cache.get("s", Integer.class).join());
        cache.incr("n", 5, null).join();
        assertEquals(5, cache.get("n", Integer.class).join());
        assertEquals(5L, cache.get("n", Long.class).join());
    }

    @Test
    void everyCommandIsReachable() {
        cache.setMany(Map.of("a", "1", "b", "2"), Duration.ofMinutes(1)).join();
        assertEquals(Arrays.asList("2", null, "1"), cache.getMany(List.of("b", "x", "a"), String.class).join());
        assertEquals(2L, cache.keysCount().join());
        assertEquals(List.of("a"), cache.scan("a*").join());
        assertTrue(cache.exists("a").join());
        assertTrue(cache.expire("a", Duration.ofSeconds(5)).join());
        assertEquals(2L, cache.deleteMany(List.of("a", "b", "c")).join());
        assertEquals(3L, cache.incr("c", 3, Duration.ofMinutes(1)).join());
        assertTrue(cache.setLock("lock", "me", Duration.ofMinutes(1)).join());
        assertTrue(cache.isLocked("lock", null).join());
        assertFalse(cache.unlock("lock", "you").join());
        assertTrue(cache.unlock("lock", "me").join());
        assertEquals(List.of(1L), cache.incrBits("bits", List.of(7), 4, 1).join());
        assertEquals(List.of(1L, 0L), cache.getBits("bits", List.of(7, 8), 4).join());
        assertEquals(1L, cache.sliceIncr("w", 0, 10, 3, null).join());
        assertEquals(2L, cache.setAdd("set", List.of("a", "b"), null).join());
        assertEquals(Set.of("a", "b"), cache.setMembers("set").join());
        assertEquals(1L, cache.setRemove("set", List.of("a")).join());
        assertEquals(List.of("b"), cache.setPop("set", 5).join());
        assertTrue(cache.ping().join());
        cache.clear().join();
        assertEquals(0L, cache.keysCount().join());
    }

    @Test
    void getOrSetComputesOnlyOnAMiss() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<CompletableFuture<String>> load = () -> CompletableFuture.completedFuture("loaded " + calls.incrementAndGet());
        assertEquals("loaded 1", cache.getOrSet("k", String.class, Duration.ofMinutes(1), load).join());
        assertEquals("loaded 1", cache.getOrSet("k", String.class, Duration.ofMinutes(1), load).join());
        assertEquals(1, calls.get());
    }

    @Test
    void getMatchReturnsTheValuesOfMatchingKeys() {
        cache.set("user:1", "ann").join();
        cache.set("user:2", "bob").join();
        cache.set("user:3", 3).join();
        cache.set("order:1", "x").join();
        assertEquals(Map.of("user:1", "ann", "user:2", "bob"), cache.getMatch("user:*", String.class).join());
    }

    @Test
    void cachedLoadsOnceAndServesHitsSynchronously() {
        AtomicInteger loads = new AtomicInteger();
        Supplier<CompletableFuture<String>> loader = () -> CompletableFuture.completedFuture("user " + loads.incrementAndGet());
        assertEquals("user 1", cache.cached("user:1", Duration.ofHours(3), String.class, loader).join());
        CompletableFuture<String> hit = cache.cached("user:1", Duration.ofHours(3), String.class, loader);
        assertTrue(hit.isDone(), "an in-memory hit completes before cached returns");
        assertEquals("user 1", hit.join());
        assertEquals(1, loads.get());
    }

    @Test
    void cachedGivesTheLoaderFailureToTheCaller() {
        IllegalStateException failure = new IllegalStateException("down");
        CompletionException error = assertThrows(CompletionException.class,
            () -> cache.cached("k", Duration.ofMinutes(1), String.class, () -> CompletableFuture.<String>failedFuture(failure)).join());
        assertSame(failure, error.getCause());
        assertFalse(cache.exists("k").join());
    }

    @Test
    void everyStrategyIsReachable() {
        Supplier<CompletableFuture<String>> ok = () -> CompletableFuture.completedFuture("ok");
        Supplier<CompletableFuture<String>> down = () -> CompletableFuture.failedFuture(new IllegalStateException("down"));
        assertEquals("ok", cache.early("e", Duration.ofMinutes(1), Duration.ofSeconds(10), String.class, ok).join());
        assertEquals("ok", cache.soft("s", Duration.ofMinutes(1), Duration.ofSeconds(10), String.class, ok).join());
        assertEquals("ok", cache.failover("f", Duration.ofMinutes(1), String.class, ok).join());
        assertEquals("ok", cache.failover("f", Duration.ofMinutes(1), String.class, down).join());
        assertEquals("ok", cache.hit("h", Duration.ofMinutes(1), 2, 0, String.class, ok).join());
        assertEquals("ok", cache.locked("l", Duration.ofMinutes(1), ok).join());
        assertEquals("ok", cache.get("early:e", String.class).join());
    }

    @Test
    void lockRunsTheActionAndReleases() {
        String result = cache.lock("job", Duration.ofSeconds(10), () -> CompletableFuture.completedFuture("done")).join();
        assertEquals("done", result);
        assertFalse(cache.isLocked("job", null).join());
    }

    @Test
    void javaClassesAreStoredThroughTheJavaCodec() {
        JavaCache bytes = JavaCache.of(new Cache("mem://?codec=java&secret=k3y"));
        Point point = new Point(1, 2);
        bytes.set("p", point).join();
        assertEquals(point, bytes.get("p", Point.class).join());
        assertInstanceOf(byte[].class, bytes.getRaw("p").join());
    }

    @Test
    void errorsCompleteTheFutureWithTheSameException() {
        JavaCache empty = JavaCache.of(new Cache());
        CompletionException error = assertThrows(CompletionException.class, () -> empty.get("k", String.class).join());
        assertInstanceOf(NotConfiguredError.class, error.getCause());
        CompletionException ttl = assertThrows(CompletionException.class, () -> cache.set("k", "v", Duration.ZERO).join());
        assertInstanceOf(InvalidTtlError.class, ttl.getCause());
    }

    @Test
    void theFacadeExposesItsCache() {
        Cache inner = new Cache("mem://");
        assertSame(inner, JavaCache.of(inner).getCache());
    }

    @Test
    void rateLimitsRefuseWithRateLimitError() {
        Supplier<CompletableFuture<String>> call = () -> CompletableFuture.completedFuture("ok");
        assertEquals("ok", cache.rateLimit("api", 1, Duration.ofMinutes(1), call).join());
        CompletionException refused =
                assertThrows(CompletionException.class, () -> cache.rateLimit("api", 1, Duration.ofMinutes(1), call).join());
        assertInstanceOf(RateLimitError.class, refused.getCause());
        assertEquals("ok", cache.sliceRateLimit("s", 1, Duration.ofMinutes(1), call).join());
        CompletionException sliding =
                assertThrows(CompletionException.class, () -> cache.sliceRateLimit("s", 1, Duration.ofMinutes(1), call).join());
        assertInstanceOf(RateLimitError.class, sliding.getCause());
    }

    @Test
    void aCircuitBreakerOpensOnFailuresAndRefusesWithCircuitBreakerOpen() {
        Supplier<CompletableFuture<String>> failing =
                () -> CompletableFuture.failedFuture(new IllegalStateException("down"));
        CompletionException first = assertThrows(CompletionException.class,
                () -> cache.circuitBreaker("cb", 50.0, Duration.ofMinutes(1), Duration.ofMinutes(1), 1, failing).join());
        assertInstanceOf(IllegalStateException.class, first.getCause());
        CompletionException open = assertThrows(CompletionException.class,
                () -> cache.circuitBreaker("cb", 50.0, Duration.ofMinutes(1), Duration.ofMinutes(1), 1, failing).join());
        assertInstanceOf(CircuitBreakerOpen.class, open.getCause());
    }

    @Test
    void bloomFiltersAnswerThroughFutures() {
        JavaBloomFilter emails = cache.bloom("emails", 1_000, 0.01);
        emails.add("ann@example.com").join();
        assertTrue(emails.mightContain("ann@example.com").join());
        assertFalse(emails.check("bob@example.com", () -> CompletableFuture.completedFuture(true)).join());
        JavaDualBloomFilter even = cache.dualBloom("even", 1_000, 0.01);
        AtomicInteger checks = new AtomicInteger();
        for (int round = 0; round < 2; round++) {
            assertTrue(even.check("2", () -> CompletableFuture.completedFuture(checks.incrementAndGet() > 0)).join());
        }
        assertEquals(1, checks.get());
    }
}

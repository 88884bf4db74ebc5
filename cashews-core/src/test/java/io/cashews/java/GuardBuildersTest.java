package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.CircuitBreakerOpen;
import io.cashews.JavaCache;
import io.cashews.JavaTestClock;
import io.cashews.OutagePolicy;
import io.cashews.RateLimitError;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import kotlin.time.TestTimeSource;
import org.junit.jupiter.api.Test;

/** Rate limits and the circuit breaker from Java, with every setting of their Kotlin counterparts. */
class GuardBuildersTest {
    private final TestTimeSource clock = new TestTimeSource();
    private final JavaCache jc = JavaCache.of(new Cache("mem://?size=1000", clock));

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Test
    void aRateLimitRefusesOverTheLimitAndBansForTheGivenTime() {
        RateLimitBuilder search = jc.rateLimit(2, Duration.ofMinutes(1)).ban(Duration.ofMinutes(5)).prefix("search");

        assertEquals("r1", search.call("ann", () -> done("r1")).join());
        assertEquals("r2", search.call("ann", () -> done("r2")).join());
        CompletionException refused = assertThrows(CompletionException.class, () -> search.call("ann", () -> done("r3")).join());
        RateLimitError error = assertInstanceOf(RateLimitError.class, refused.getCause());
        assertEquals(Duration.ofMinutes(1), error.getPeriod());
        assertEquals("bob", search.call("bob", () -> done("bob")).join(), "each key has its own count");

        JavaTestClock.advance(clock, Duration.ofMinutes(2));
        assertThrows(CompletionException.class, () -> search.call("ann", () -> done("r4")).join(), "banned for 5 minutes");
        JavaTestClock.advance(clock, Duration.ofMinutes(4));
        assertEquals("r5", search.call("ann", () -> done("r5")).join());
        assertTrue(jc.exists("search:ann").join(), "the count lives under the prefix");
    }

    @Test
    void aRefusedCallIsAnsweredByTheActionWhenOneIsGiven() throws InterruptedException {
        RateLimitBuilder limit = jc.rateLimit(1, Duration.ofMinutes(1)).ban((Duration) null);
        limit.call("k", () -> done("first")).join();

        assertEquals("fallback 60s", limit.call("k", () -> done("second"),
            refused -> done("fallback " + refused.getPeriod().toSeconds() + "s")).join());
        assertEquals("blocking fallback", limit.callBlocking("k", () -> "third", refused -> "blocking fallback"));
    }

    @Test
    void aTokenBucketAdmitsItsBurstThenItsRateAndSaysWhenToRetry() throws InterruptedException {
        TokenBucketBuilder api = jc.tokenBucket(2, Duration.ofSeconds(1)).burst(3).prefix("api");

        for (int i = 0; i < 3; i++) assertEquals("ok", api.call("ann", () -> done("ok")).join());
        CompletionException refused = assertThrows(CompletionException.class, () -> api.call("ann", () -> done("no")).join());
        RateLimitError error = assertInstanceOf(RateLimitError.class, refused.getCause());
        assertEquals(Duration.ofMillis(500), error.getRetryAfter());
        JavaTestClock.advance(clock, Duration.ofMillis(500));
        assertEquals("again", api.callBlocking("ann", () -> "again"));
        assertEquals("wait 500 ms", api.call("ann", () -> done("no"),
            no -> done("wait " + no.getRetryAfter().toMillis() + " ms")).join());
        assertTrue(jc.exists("api:ann").join(), "the bucket lives under the prefix");
        assertThrows(IllegalArgumentException.class, () -> jc.tokenBucket(1, Duration.ofSeconds(1)).cost(0));
    }

    @Test
    void aSlidingWindowCountsTheLastPeriod() throws InterruptedException {
        SliceRateLimitBuilder limit = jc.sliceRateLimit(2, Duration.ofMinutes(1)).whenUnavailable(OutagePolicy.FAIL_CLOSED);

        assertEquals(1, limit.callBlocking("k", () -> 1));
        JavaTestClock.advance(clock, Duration.ofSeconds(40));
        assertEquals(2, limit.callBlocking("k", () -> 2));
        assertThrows(RateLimitError.class, () -> limit.callBlocking("k", () -> 3));
        JavaTestClock.advance(clock, Duration.ofSeconds(30));
        assertEquals(4, limit.callBlocking("k", () -> 4), "the first call left the window");
    }

    @Test
    void theBreakerOpensOnCountedFailuresAndLetsTrialsThroughWhenHalfOpen() {
        CircuitBreakerBuilder quotes = jc.circuitBreaker(50.0, Duration.ofMinutes(1), Duration.ofSeconds(30))
            .minCalls(2).halfOpenCalls(1).halfOpenTtl(Duration.ofSeconds(10)).exceptions(IOException.class);

        assertThrows(CompletionException.class, () -> quotes.call("quotes", () ->
            CompletableFuture.<String>failedFuture(new IllegalStateException("not counted"))).join());
        assertThrows(CompletionException.class, () -> quotes.call("quotes", () ->
            CompletableFuture.<String>failedFuture(new IOException("down"))).join());
        assertThrows(CompletionException.class, () -> quotes.call("quotes", () ->
            CompletableFuture.<String>failedFuture(new IOException("down"))).join());

        CompletionException open = assertThrows(CompletionException.class, () -> quotes.call("quotes", () -> done("q")).join());
        CircuitBreakerOpen refused = assertInstanceOf(CircuitBreakerOpen.class, open.getCause());
        assertTrue(refused.getRetryAfter().compareTo(Duration.ofSeconds(30)) <= 0);

        JavaTestClock.advance(clock, Duration.ofSeconds(31));
        assertEquals("trial", quotes.call("quotes", () -> done("trial")).join(), "half-open: a trial passes and closes it");
        assertEquals("closed", quotes.call("quotes", () -> done("closed")).join());
    }

    @Test
    void badSettingsFailWhereTheyAreGivenAndNameTheValue() {
        IllegalArgumentException limit = assertThrows(IllegalArgumentException.class, () -> jc.rateLimit(0, Duration.ofMinutes(1)));
        assertEquals("rate limit must be positive, was 0", limit.getMessage());
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () ->
            jc.circuitBreaker(150.0, Duration.ofMinutes(1), Duration.ofSeconds(1)));
        assertTrue(rate.getMessage().contains("150.0"), rate.getMessage());
        assertThrows(io.cashews.InvalidTtlError.class, () -> jc.sliceRateLimit(1, Duration.ZERO));
    }
}

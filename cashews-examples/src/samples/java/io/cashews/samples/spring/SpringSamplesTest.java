package io.cashews.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cashews.CircuitBreakerOpen;
import io.cashews.RateLimitError;
import io.cashews.spring.CacheRetry;
import io.cashews.spring.Cached;
import io.cashews.spring.CircuitBreaker;
import io.cashews.spring.Dynamic;
import io.cashews.spring.Early;
import io.cashews.spring.Failover;
import io.cashews.spring.Hit;
import io.cashews.spring.Invalidate;
import io.cashews.spring.Locked;
import io.cashews.spring.RateLimit;
import io.cashews.spring.SliceRateLimit;
import io.cashews.spring.Soft;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Service;

/** The README's Spring samples: each bean in a Spring Boot application on the starter, called as a service would. */
class SpringSamplesTest {
    record User(long id, String name) {}

    record Quote(String symbol, long cents) {}

    /** A backend that counts its calls and fails while told to. */
    static final class Upstream {
        static final AtomicInteger CALLS = new AtomicInteger();
        static volatile boolean down;

        static <T> T call(T value) {
            CALLS.incrementAndGet();
            if (down) throw new UncheckedIOException(new IOException("upstream down"));
            return value;
        }
    }

    // sample: spring-cached
    @Service
    public static class UserService {
        @Cached(ttl = "3h", key = "user:{id}", tags = "users", lock = true, retry = @CacheRetry(attempts = 3))
        public User find(long id) {
            return Upstream.call(new User(id, "user " + id));
        }

        @Cached(ttl = "10m", key = "user-async:{id}", unless = "#result == null")
        public CompletableFuture<User> findAsync(long id) {
            return CompletableFuture.supplyAsync(() -> Upstream.call(new User(id, "user " + id)));
        }

        @Invalidate(keys = "user:{id}", tags = "user-lists")
        public void rename(long id, String name) {
            Upstream.call(name);
        }
    }
    // end sample

    // sample: spring-strategies
    @Service
    public static class QuoteService {
        @Early(ttl = "1h", earlyTtl = "50m", key = "quote:{symbol}")
        public Quote quote(String symbol) {
            return Upstream.call(new Quote(symbol, 100));
        }

        @Soft(ttl = "1d", softTtl = "5m", key = "soft:{symbol}", exceptions = UncheckedIOException.class)
        public Quote lastKnown(String symbol) {
            return Upstream.call(new Quote(symbol, 100));
        }

        @Failover(ttl = "1d", key = "failover:{symbol}", exceptions = UncheckedIOException.class)
        public Quote live(String symbol) {
            return Upstream.call(new Quote(symbol, 100));
        }

        @Hit(ttl = "1h", cacheHits = 100, updateAfter = 80, key = "hot:{symbol}")
        public Quote hot(String symbol) {
            return Upstream.call(new Quote(symbol, 100));
        }

        @Dynamic(key = "trending:{region}")
        public List<String> trending(String region) {
            return Upstream.call(List.of("AAPL", "NVDA"));
        }

        @Locked(ttl = "30s", key = "report:{day}", waitForLock = false)
        public String report(String day) {
            return Upstream.call("report " + day);
        }
    }
    // end sample

    // sample: spring-guards
    @Service
    public static class SearchService {
        @RateLimit(limit = 2, period = "1m", key = "search:{user}", action = "refused")
        public List<String> search(String user, String query) {
            return Upstream.call(List.of(query));
        }

        public List<String> refused(String user, String query, RateLimitError error) {
            return List.of();
        }

        @SliceRateLimit(limit = 100, period = "1s", key = "suggest:{user}")
        public List<String> suggest(String user, String prefix) {
            return Upstream.call(List.of(prefix + "…"));
        }

        @CircuitBreaker(errorsRate = 50, period = "1m", ttl = "30s", minCalls = 2, key = "partner")
        public String partner(String query) {
            return Upstream.call("partner: " + query);
        }
    }
    // end sample

    // sample: spring-cacheable
    @Service
    public static class CatalogService {
        @Cacheable(cacheNames = "catalog", sync = true)
        public List<String> shelf(String name) {
            return Upstream.call(List.of(name + ": walnuts", name + ": pecans"));
        }

        @CacheEvict(cacheNames = "catalog", allEntries = true)
        public void restock() {}
    }
    // end sample

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableCaching
    @Import({UserService.class, QuoteService.class, SearchService.class, CatalogService.class})
    static class SampleApplication {}

    private static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(SampleApplication.class)
            .web(WebApplicationType.NONE)
            .properties("spring.main.banner-mode=off")
            .run();
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    private static int calls(Runnable body) {
        int before = Upstream.CALLS.get();
        body.run();
        return Upstream.CALLS.get() - before;
    }

    @Test
    void cachedLoadsOnceAndInvalidateDropsTheKey() {
        UserService users = context.getBean(UserService.class);
        assertEquals(1, calls(() -> {
            assertEquals(new User(1, "user 1"), users.find(1));
            assertEquals(new User(1, "user 1"), users.find(1));
        }));
        assertEquals(1, calls(() -> assertEquals(users.findAsync(2).join(), users.findAsync(2).join())));
        assertEquals(2, calls(() -> {
            users.rename(1, "ann");
            users.find(1);
        }));
    }

    @Test
    void theStrategiesServeFromTheCacheAndFallBackOnFailures() {
        QuoteService quotes = context.getBean(QuoteService.class);
        assertEquals(1, calls(() -> assertEquals(quotes.quote("A"), quotes.quote("A"))));
        assertEquals(1, calls(() -> assertEquals(quotes.hot("A"), quotes.hot("A"))));
        // dynamic refreshes in the background from the first hit on: the answer is the cached one meanwhile.
        assertEquals(quotes.trending("eu"), quotes.trending("eu"));
        Quote live = quotes.live("B");
        Upstream.down = true;
        try {
            assertEquals(live, quotes.live("B"));
        } finally {
            Upstream.down = false;
        }
        assertEquals("report monday", quotes.report("monday"));
        assertEquals(new Quote("C", 100), quotes.lastKnown("C"));
    }

    @Test
    void guardsRefuseOrAnswerForTheRefusedCalls() {
        SearchService search = context.getBean(SearchService.class);
        assertEquals(List.of("a"), search.search("ann", "a"));
        assertEquals(List.of("b"), search.search("ann", "b"));
        assertEquals(List.of(), search.search("ann", "c"));
        assertEquals(List.of("w…"), search.suggest("ann", "w"));
        Upstream.down = true;
        try {
            assertThrows(UncheckedIOException.class, () -> search.partner("x"));
            assertThrows(UncheckedIOException.class, () -> search.partner("x"));
            assertThrows(CircuitBreakerOpen.class, () -> search.partner("x"));
        } finally {
            Upstream.down = false;
        }
    }

    @Test
    void springsCacheableRunsOnTheCashewsCacheManager() {
        CatalogService catalog = context.getBean(CatalogService.class);
        assertEquals(1, calls(() -> assertEquals(catalog.shelf("nuts"), catalog.shelf("nuts"))));
        catalog.restock();
        assertEquals(1, calls(() -> catalog.shelf("nuts")));
    }
}

package io.cashews.samples.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.CacheCommand;
import io.cashews.CacheCondition;
import io.cashews.Command;
import io.cashews.Detected;
import io.cashews.DetectedHit;
import io.cashews.JavaCache;
import io.cashews.Retry;
import io.cashews.StrategyStats;
import io.cashews.TransactionMode;
import io.cashews.Ttl;
import io.cashews.jackson.JacksonCodec;
import io.cashews.java.BlockingCache;
import io.cashews.java.CachedBiFunction;
import io.cashews.java.CachedFunction;
import io.cashews.java.CachedSupplier;
import io.cashews.java.CircuitBreakerBuilder;
import io.cashews.java.FutureInterceptor;
import io.cashews.java.JavaEventListener;
import io.cashews.java.RateLimitBuilder;
import io.cashews.micrometer.CacheMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The README's Java samples, each run on a real cache. */
class JavaSamplesTest {
    record User(long id, String name) {}

    record Rates(double eurUsd) {}

    /** The users' database, answering asynchronously and counting its loads. */
    static final class Repo {
        final AtomicInteger loads = new AtomicInteger();

        CompletableFuture<User> loadAsync(long id) {
            loads.incrementAndGet();
            return CompletableFuture.completedFuture(new User(id, "user " + id));
        }
    }

    /** A remote API, answering asynchronously and counting its calls. */
    static final class Api {
        final AtomicInteger calls = new AtomicInteger();

        CompletableFuture<Rates> ratesAsync() {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new Rates(1.08));
        }
    }

    private final AtomicInteger jobs = new AtomicInteger();

    private CompletableFuture<String> runJobAsync() {
        return CompletableFuture.completedFuture("job " + jobs.incrementAndGet());
    }

    @Test
    void basic() {
        User user = new User(1, "Ann");
        // sample: java-basic
        JavaCache cache = JavaCache.of(new Cache("mem://?size=10000"));

        cache.set("user:1", user, Duration.ofHours(3)).join();
        User u = cache.get("user:1", User.class).join();          // null when missing or not a User
        long visits = cache.incr("visits", 1, Duration.ofMinutes(1)).join();
        String done = cache.lock("job", Duration.ofSeconds(30), () -> runJobAsync()).join();   // released even on failure
        // end sample
        assertEquals(user, u);
        assertEquals(1, visits);
        assertEquals("job 1", done);
        assertNull(cache.get("user:1", Rates.class).join());
    }

    @Test
    void strategies() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Repo repo = new Repo();
        Api api = new Api();
        long id = 7;
        // sample: java-strategies
        CompletableFuture<User> u = jc.cached("user:" + id, Duration.ofHours(3), User.class, () -> repo.loadAsync(id));
        jc.early("rates", Duration.ofMinutes(10), Duration.ofMinutes(7), Rates.class, api::ratesAsync);
        // end sample
        assertEquals(new User(7, "user 7"), u.join());
        assertEquals(new User(7, "user 7"), jc.cached("user:" + id, Duration.ofHours(3), User.class, () -> repo.loadAsync(id)).join());
        assertEquals(1, repo.loads.get());
        jc.early("rates", Duration.ofMinutes(10), Duration.ofMinutes(7), Rates.class, api::ratesAsync).join();
        assertEquals(1, api.calls.get());
    }

    /** A blocking client, as a Java service often has. */
    static final class Client {
        final AtomicInteger calls = new AtomicInteger();

        Rates rates() {
            calls.incrementAndGet();
            return new Rates(1.08);
        }
    }

    @Test
    void builders() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Repo repo = new Repo();
        Client client = new Client();
        ExecutorService blockingPool = Executors.newFixedThreadPool(2);
        try {
            // sample: java-builders
            CachedFunction<Long, User> userById = jc.cached(User.class)
                .ttl("3h")
                .key("user:{id}")
                .tags("users")
                .lock(true)
                .build(id -> repo.loadAsync(id));

            User ann = userById.apply(42L).join();       // loads once; a hit is a completed future
            userById.invalidate(42L).join();
            long loads = userById.info().join().getLoads();

            CachedSupplier<Rates> rates = jc.early(Rates.class)
                .ttl(Duration.ofMinutes(10))
                .earlyTtl(Duration.ofMinutes(7))
                .key("rates")
                .loadOn(blockingPool)                   // a blocking loader runs there
                .buildBlocking(() -> client.rates());
            Rates now = rates.getBlocking();            // or rates.get() for a future
            // end sample
            assertEquals(new User(42, "user 42"), ann);
            assertEquals(1, loads);
            assertEquals(new User(42, "user 42"), userById.apply(42L).join());
            assertEquals(2, repo.loads.get());
            assertEquals(new Rates(1.08), now);
            assertEquals(new Rates(1.08), rates.get().join());
            assertEquals(1, client.calls.get());
        } finally {
            blockingPool.shutdownNow();
        }
    }

    /** An order, stored as JSON through cashews-jackson. */
    record Order(long id, java.time.Instant placedAt, List<String> items) {}

    static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(String what) {
            super(what + " not found");
        }
    }

    @Test
    void configuration() throws InterruptedException {
        JsonMapper jsonMapper = JsonMapper.builder().build();
        Order order = new Order(7, java.time.Instant.parse("2026-12-03T10:00:00Z"), List.of("a", "b"));
        // sample: java-configuration
        Cache cache = new Cache("mem://?size=10000");                           // the default backend
        cache.setup("mem://?codec=jackson", "orders:");                          // orders: stored as JSON
        cache.setup("mem://", "prices:", Map.of(), new JacksonCodec(jsonMapper)); // with the application's mapper

        JavaCache jc = JavaCache.of(cache);                                      // futures
        BlockingCache blocking = jc.blocking();                                  // plain results, for virtual threads

        blocking.set("orders:7", order, Duration.ofHours(1));
        Order stored = blocking.get("orders:7", Order.class);
        cache.close();                                                           // closes every backend
        // end sample
        assertEquals(order, stored);
    }

    @Test
    void blocking() throws InterruptedException {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Repo repo = new Repo();
        User user = new User(1, "Ann");
        CachedFunction<Long, User> userById = jc.cached(User.class).ttl("1h").key("user:{id}").build(repo::loadAsync);
        // sample: java-blocking
        BlockingCache cache = jc.blocking();

        cache.set("user:1", user, Duration.ofHours(3));
        User u = cache.get("user:1", User.class);                  // a hit returns at once, on this thread
        User v = userById.applyBlocking(2L);                       // a handle's blocking form
        long left = cache.transaction(tx -> {                      // the block runs on this thread
            try {
                tx.set("stock:1", 10L);
                return tx.incr("stock:1", -3, null);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // end sample
        assertEquals(user, u);
        assertEquals(new User(2, "user 2"), v);
        assertEquals(7L, left);
    }

    @Test
    void guards() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Api api = new Api();
        // sample: java-guards
        RateLimitBuilder perUser = jc.rateLimit(100, Duration.ofMinutes(1)).ban(Duration.ofMinutes(5));
        CompletableFuture<Rates> rates = perUser.call("rates:ann", api::ratesAsync,
            refused -> CompletableFuture.completedFuture(new Rates(0)));    // answers a refused call

        CircuitBreakerBuilder breaker = jc.circuitBreaker(50.0, Duration.ofMinutes(1), Duration.ofSeconds(30))
            .minCalls(20)
            .halfOpenCalls(3)
            .exceptions(IOException.class);                                  // only these count as failures
        CompletableFuture<Rates> guarded = breaker.call("rates-api", api::ratesAsync);
        // end sample
        assertEquals(new Rates(1.08), rates.join());
        assertEquals(new Rates(1.08), guarded.join());
    }

    @Test
    void conditions() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        AtomicInteger lookups = new AtomicInteger();
        // sample: java-conditions
        CachedFunction<Long, User> found = jc.cached(User.class).ttl("1h").key("user:{id}")
            .condition(CacheCondition.NotNull)                                       // null is not kept
            .build(id -> CompletableFuture.completedFuture(id > 0 ? new User(id, "found") : null));
        CachedFunction<Long, Integer> score = jc.cached(Integer.class).ttl("1h").key("score:{id}")
            .condition(CacheCondition.of((Integer s, String key) -> s > 0))         // any predicate
            .build(id -> CompletableFuture.completedFuture((int) (id % 3)));
        CachedFunction<Long, User> missing = jc.cached(User.class).ttl("1h").key("missing:{id}")
            .condition(CacheCondition.withExceptions(Duration.ofMinutes(1), NotFound.class))   // negative caching
            .build(id -> {
                lookups.incrementAndGet();
                return CompletableFuture.failedFuture(new NotFound("user " + id));
            });
        CachedSupplier<String> report = jc.cached(String.class).ttl("1h").key("report")
            .timeCondition(Duration.ofMillis(100))                                  // only if it was slow
            .build(() -> CompletableFuture.completedFuture("quick"));
        // end sample
        assertNull(found.apply(-1L).join());
        assertFalse(jc.exists("user:-1").join());
        assertEquals(0, score.apply(3L).join());
        assertFalse(jc.exists("score:3").join());
        assertThrows(CompletionException.class, () -> missing.apply(404L).join());
        assertThrows(CompletionException.class, () -> missing.apply(404L).join());
        assertEquals(1, lookups.get(), "the failure was cached");
        assertEquals("quick", report.get().join());
        assertFalse(jc.exists("report").join());
    }

    @Test
    void keysAndTtls() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        // sample: java-keys-ttl
        CachedBiFunction<String, Long, String> page = jc.cached(String.class)
            .key("page:{site}:{id}")                           // placeholders take the arguments in order
            .prefix("v2")                                      // stored at v2:page:…
            .ttl(html -> html.length() > 1000 ? Duration.ofHours(1) : Duration.ofMinutes(5))   // per value
            .jitter(0.1)                                       // expiries spread by up to 10 %
            .retry(Retry.of(3, Duration.ofMillis(50)))         // three runs in all on failure
            .build((site, id) -> CompletableFuture.completedFuture("<html>" + site + id + "</html>"));

        String html = page.apply("docs", 42L).join();
        Duration parsed = Ttl.parse("1h30m");                  // the TTL strings strategies take
        // end sample
        assertEquals("<html>docs42</html>", html);
        assertTrue(jc.exists("v2:page:docs:42").join());
        assertEquals(Duration.ofMinutes(90), parsed);
    }

    @Test
    void invalidation() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Repo repo = new Repo();
        // sample: java-invalidation
        CachedFunction<Long, User> userById = jc.cached(User.class).ttl("1h").key("user:{id}").tags("users")
            .build(repo::loadAsync);
        userById.apply(42L).join();

        userById.invalidate(42L).join();                                 // one value
        jc.invalidate("user:{id}", Map.of("id", 42L),                   // after a write succeeded
            () -> CompletableFuture.completedFuture("renamed")).join();
        jc.invalidateFurther(() -> userById.apply(42L)).join();         // recompute what the block reads
        jc.deleteTags(List.of("users")).join();                          // everything tagged
        // end sample
        assertEquals(2, repo.loads.get());
        assertFalse(jc.exists("user:42").join());
    }

    @Test
    void transactions() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        jc.set("balance:ann", 100L).join();
        String from = "ann";
        String to = "bob";
        long amount = 30;
        // sample: java-transactions
        CompletableFuture<Long> moved = jc.transaction(TransactionMode.LOCKED, tx ->
            tx.incr("balance:" + from, -amount, null).thenCompose(left -> {
                if (left < 0) throw new IllegalStateException("insufficient funds");   // nothing is applied
                return tx.incr("balance:" + to, amount, null);
            }));
        // end sample
        assertEquals(30L, moved.join());
        assertEquals(70L, jc.get("balance:ann", Long.class).join());
    }

    @Test
    void detect() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        Repo repo = new Repo();
        CachedFunction<Long, User> userById = jc.cached(User.class).ttl("1h").key("user:{id}").build(repo::loadAsync);
        userById.apply(1L).join();
        // sample: java-detect
        Detected<User> detected = jc.detect(() -> userById.apply(1L)).join();
        for (DetectedHit hit : detected.getHits()) {
            System.out.println(hit.getKey() + " from " + hit.getStrategy() + ", stale: " + hit.getStale());
        }
        // end sample
        assertEquals(List.of("user:1"), detected.getHits().stream().map(DetectedHit::getKey).toList());
    }

    @Test
    void interceptorsAndListeners() {
        Cache cache = new Cache("mem://");
        JavaCache jc = JavaCache.of(cache);
        AtomicLong nanos = new AtomicLong();
        List<String> loaded = new CopyOnWriteArrayList<>();
        // sample: java-interceptors
        jc.addInterceptor(new FutureInterceptor() {
            @Override
            public <R> CompletableFuture<R> intercept(FutureInterceptor.Chain<R> chain) {
                long start = System.nanoTime();
                return chain.proceed(chain.getCommand()).whenComplete((r, e) -> nanos.addAndGet(System.nanoTime() - start));
            }
        });
        cache.addListener(new JavaEventListener() {
            @Override
            public void onLoad(String key, String strategy, Duration took) {
                loaded.add(key + " in " + took.toMillis() + " ms");
            }
        });
        // end sample
        jc.cached("k", Duration.ofMinutes(1), String.class, () -> CompletableFuture.completedFuture("v")).join();
        assertTrue(nanos.get() > 0);
        assertEquals(1, loaded.size());
        assertTrue(loaded.get(0).startsWith("k in "), loaded.toString());
    }

    @Test
    void callbacks() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        // sample: java-callbacks
        List<String> written = new CopyOnWriteArrayList<>();
        jc.callback(EnumSet.of(Command.SET), (command, result) -> written.addAll(command.getKeys()),
            () -> jc.set("user:1", "Ann").thenCompose(ok -> jc.set("user:2", "Bob"))).join();
        // end sample
        assertEquals(List.of("user:1", "user:2"), written);
    }

    @Test
    void metrics() {
        Cache cache = new Cache("mem://");
        JavaCache jc = JavaCache.of(cache);
        Repo repo = new Repo();
        SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();
        CachedFunction<Long, User> userById = jc.cached(User.class).ttl("1h").key("user:{id}").build(repo::loadAsync);
        // sample: java-metrics
        cache.setRecordStats(true);
        userById.apply(1L).join();
        userById.apply(1L).join();
        StrategyStats cached = jc.stats().join().get("cached");          // hits, misses, loads, hit rate
        new CacheMetrics(cache, "users").bindTo(meterRegistry);          // Micrometer's cache.* meters
        // end sample
        assertEquals(1L, cached.getHits());
        assertEquals(0.5, cached.getHitRate());
        assertTrue(meterRegistry.getMeters().size() > 0);
    }

    @Test
    void flows() {
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        AtomicInteger subscriptions = new AtomicInteger();
        Flow.Publisher<String> upstream = subscriber -> {
            subscriptions.incrementAndGet();
            SubmissionPublisher<String> pages = new SubmissionPublisher<>();
            pages.subscribe(subscriber);
            pages.submit("page 1");
            pages.submit("page 2");
            pages.close();
        };
        // sample: java-flows
        Flow.Publisher<String> pages = jc.cachedFlow(upstream, "pages:docs", Duration.ofMinutes(10), String.class);
        // end sample
        assertEquals(List.of("page 1", "page 2"), collect(pages));
        assertEquals(List.of("page 1", "page 2"), collect(pages));
        assertEquals(1, subscriptions.get(), "the second subscription replayed from the cache");
    }

    private static List<String> collect(Flow.Publisher<String> publisher) {
        CompletableFuture<List<String>> all = new CompletableFuture<>();
        List<String> items = new CopyOnWriteArrayList<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            public void onNext(String item) {
                items.add(item);
            }

            public void onError(Throwable error) {
                all.completeExceptionally(error);
            }

            public void onComplete() {
                all.complete(List.copyOf(items));
            }
        });
        return all.join();
    }
}

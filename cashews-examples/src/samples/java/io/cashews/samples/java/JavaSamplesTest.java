package io.cashews.samples.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.java.CachedFunction;
import io.cashews.java.CachedSupplier;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

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
}

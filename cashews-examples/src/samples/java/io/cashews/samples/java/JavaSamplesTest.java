package io.cashews.samples.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cashews.Cache;
import io.cashews.JavaCache;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
}

package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.CacheCondition;
import io.cashews.CachedFunctionInfo;
import io.cashews.DoorKeeper;
import io.cashews.Expiry;
import io.cashews.InvalidTtlError;
import io.cashews.JavaCache;
import io.cashews.KeyTemplateError;
import io.cashews.JavaTestClock;
import io.cashews.KeyTtl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import kotlin.time.TestTimeSource;
import kotlinx.coroutines.CoroutineScopeKt;
import kotlinx.coroutines.Dispatchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JavaStrategiesTest {
    private final TestTimeSource clock = new TestTimeSource();
    private final JavaCache jc = JavaCache.of(new Cache("mem://?size=1000", clock));
    private final ExecutorService loaders = Executors.newFixedThreadPool(2, r -> new Thread(r, "loader"));

    @AfterEach
    void stopLoaders() {
        loaders.shutdownNow();
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Test
    void hitsOfAnUnchangedValueShareOneFutureThatRefusesToBeOverwritten() {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<Long, String> userById = jc.cached(String.class)
            .ttl("3h")
            .key("user:{id}")
            .build(id -> done("user" + id + "#" + loads.incrementAndGet()));

        CompletableFuture<String> loaded = userById.apply(42L);
        assertEquals("user42#1", loaded.join());
        CompletableFuture<String> hit = userById.apply(42L);
        assertSame(hit, userById.apply(42L), "hits of the same value share one future");
        assertEquals("user42#1!", hit.thenApply(v -> v + "!").join());

        assertThrows(UnsupportedOperationException.class, () -> hit.obtrudeValue("forged"));
        assertThrows(UnsupportedOperationException.class, () -> hit.obtrudeException(new IllegalStateException()));
        assertFalse(hit.complete("forged"), "a completed future cannot be changed");
        assertFalse(hit.cancel(true));
        assertEquals("user42#1", userById.apply(42L).join());
        CompletableFuture<String> own = hit.copy();
        own.obtrudeValue("mine");
        assertEquals("mine", own.join());
        assertEquals("user42#1", userById.apply(42L).join());

        assertTrue(userById.invalidate(42L).join());
        assertEquals("user42#2", userById.apply(42L).join());
        CompletableFuture<String> next = userById.apply(42L);
        assertEquals("user42#2", next.join(), "a new value gets a future of its own");
        assertSame(next, userById.apply(42L));
        assertEquals(2L, userById.info().join().getLoads());
    }

    @Test
    void aBackendThatLetsValuesGoKeepsNoFutureOfThem() throws Exception {
        JavaCache soft = JavaCache.of(new Cache("mem://?soft_values=true"));
        CachedFunction<Long, String> userById = soft.cached(String.class)
            .ttl("3h")
            .key("user:{id}")
            .build(id -> done("user" + id));

        assertEquals("user42", userById.apply(42L).join());
        CompletableFuture<String> hit = userById.apply(42L);
        assertEquals("user42", hit.join());
        assertTrue(hit.isDone());
        assertNotSame(hit, userById.apply(42L), "soft values: each hit gets its own future, none is kept");
        assertEquals(2L, userById.info().join().getHits());
        soft.close().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCachedHandleLoadsOnceServesHitsAndInvalidates() {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<Long, String> userById = jc.cached(String.class)
            .ttl("3h")
            .key("user:{id}")
            .tags("users")
            .build(id -> done("user" + id + "#" + loads.incrementAndGet()));

        assertEquals("user42#1", userById.apply(42L).join());
        CompletableFuture<String> hit = userById.apply(42L);
        assertTrue(hit.isDone(), "an in-memory hit completes before apply returns");
        assertEquals("user42#1", hit.join());
        assertEquals("user42#1", jc.get("user:42", String.class).join());

        assertTrue(userById.invalidate(42L).join());
        assertEquals("user42#2", userById.apply(42L).join());
        CachedFunctionInfo info = userById.info().join();
        assertEquals(2L, info.getLoads());
        assertEquals(1L, info.getHits());

        jc.deleteTags(List.of("users")).join();
        assertEquals("user42#3", userById.apply(42L).join());
        assertEquals(1L, userById.clear().join());
    }

    @Test
    void aLoaderReturningAValueCanRunOnTheCallingThread() throws InterruptedException {
        List<Thread> ranOn = new ArrayList<>();
        CachedFunction<Long, String> square = jc.cached(String.class).ttl("1h").key("square:{n}")
            .loadOn(Runnable::run)
            .buildBlocking(n -> {
                ranOn.add(Thread.currentThread());
                return String.valueOf(n * n);
            });

        assertEquals("49", square.applyBlocking(7L));
        assertEquals("64", square.apply(8L).join());
        assertEquals("49", square.apply(7L).join());
        assertEquals(List.of(Thread.currentThread(), Thread.currentThread()), ranOn);
    }

    @Test
    void handlesOfNoAndTwoArgumentsAndOneOffCalls() {
        AtomicInteger loads = new AtomicInteger();
        CachedSupplier<Integer> rates = jc.cached(Integer.class).ttl(Duration.ofMinutes(5)).key("rates")
            .build(() -> done(loads.incrementAndGet()));
        assertEquals(1, rates.get().join());
        assertEquals(1, rates.getBlocking());

        CachedBiFunction<String, Long, String> page = jc.cached(String.class).ttl("1h").key("page:{site}:{id}")
            .build((site, id) -> done(site + "/" + id));
        assertEquals("docs/7", page.apply("docs", 7L).join());
        assertEquals("docs/7", jc.get("page:docs:7", String.class).join());
        assertTrue(page.invalidate("docs", 7L).join());

        CachedBuilder<String> oneOff = jc.cached(String.class).ttl("1h").prefix("v1");
        assertEquals("loaded", oneOff.get("k", () -> done("loaded")).join());
        assertEquals("loaded", oneOff.get("k", () -> done("not again")).join());
        assertEquals("loaded", oneOff.getBlocking("k", () -> "not again"));
        assertEquals("loaded", jc.get("v1:k", String.class).join());
    }

    @Test
    void blockingLoadersRunOnTheChosenExecutor() {
        AtomicReference<String> loadedOn = new AtomicReference<>();
        CachedFunction<Long, String> userById = jc.cached(String.class).ttl("1h").key("user:{id}").loadOn(loaders)
            .buildBlocking(id -> {
                loadedOn.set(Thread.currentThread().getName());
                return "user" + id;
            });
        assertEquals("user1", userById.applyBlocking(1L));
        assertTrue(loadedOn.get().startsWith("loader"), loadedOn.get());
        assertEquals("user1", userById.apply(1L).join());
    }

    @Test
    void anInterruptedBlockingCallerCancelsTheCallAndInterruptsItsLoader() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch loaderInterrupted = new CountDownLatch(1);
        CachedFunction<Long, String> slow = jc.cached(String.class).ttl("1h").key("slow:{id}").loadOn(loaders)
            .buildBlocking(id -> {
                loading.countDown();
                try {
                    new CountDownLatch(1).await();
                    return "never";
                } catch (InterruptedException e) {
                    loaderInterrupted.countDown();
                    throw new IllegalStateException("interrupted", e);
                }
            });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                slow.applyBlocking(1L);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        caller.start();
        assertTrue(loading.await(10, TimeUnit.SECONDS));
        caller.interrupt();
        caller.join(10_000);
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertTrue(loaderInterrupted.await(10, TimeUnit.SECONDS), "the loader's thread is interrupted");
        assertNull(jc.get("slow:1", String.class).join());
    }

    @Test
    void concurrentCallsOfAColdKeyShareOneLoad() {
        AtomicInteger loads = new AtomicInteger();
        CompletableFuture<String> release = new CompletableFuture<>();
        CachedFunction<Long, String> userById = jc.cached(String.class).ttl("1h").key("user:{id}")
            .build(id -> {
                loads.incrementAndGet();
                return release;
            });
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) calls.add(userById.apply(5L));
        release.complete("ann");
        for (CompletableFuture<String> call : calls) assertEquals("ann", call.join());
        assertEquals(1, loads.get());
    }

    @Test
    void everyCachedSettingReachesThePolicy() {
        CacheCondition nonEmpty = CacheCondition.of((String value, String key) -> !value.isEmpty());
        CachedBuilder<String> builder = jc.cached(String.class)
            .ttl("2h")
            .key("user:{id}")
            .prefix("p")
            .condition(nonEmpty)
            .timeCondition(Duration.ofMillis(5))
            .protect(false)
            .lock(true)
            .jitter(0.1)
            .upper(true)
            .tags("users", "user:{id}");
        Map<String, Object> parameters = builder.policy().parameters();
        assertEquals(false, parameters.get("protected"));
        assertEquals(true, parameters.get("lock"));
        assertEquals(0.1, parameters.get("jitter"));
        assertEquals(true, parameters.get("upper"));
        assertEquals(List.of("users", "user:{id}"), parameters.get("tags"));
        assertEquals("p", builder.policy().getPrefix());
        assertSame(nonEmpty, builder.policy().getCondition());
    }

    @Test
    void aTtlFromTheValue() {
        CachedFunction<String, String> token = jc.cached(String.class).key("token:{user}")
            .ttl(value -> Duration.ofSeconds(value.length()))
            .build(user -> done("abcdef"));
        assertEquals("abcdef", token.apply("ann").join());
        KeyTtl ttl = jc.ttl("token:ann").join();
        assertInstanceOf(KeyTtl.Expiring.class, ttl);
        JavaTestClock.advance(clock, Duration.ofSeconds(7));
        assertNull(jc.get("token:ann", String.class).join());
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        IllegalStateException noTtl = assertThrows(IllegalStateException.class,
            () -> jc.cached(String.class).key("k").build(() -> done("v")));
        assertTrue(noTtl.getMessage().contains("ttl"), noTtl.getMessage());
        IllegalArgumentException jitter = assertThrows(IllegalArgumentException.class,
            () -> jc.cached(String.class).ttl("1h").jitter(1.5).policy());
        assertTrue(jitter.getMessage().contains("1.5"), jitter.getMessage());
        assertThrows(io.cashews.InvalidTtlError.class, () -> jc.cached(String.class).ttl("soon"));
        assertThrows(IllegalStateException.class, () -> jc.hit(String.class).ttl("1h").policy());
        CompletionException noFuture = assertThrows(CompletionException.class,
            () -> jc.cached(String.class).ttl("1h").get("k", () -> null).join());
        assertInstanceOf(NullPointerException.class, noFuture.getCause());
    }

    @Test
    void earlyServesTheOldValueWhileItRefreshes() {
        // Background work on the calling thread: the refresh of a completed future is done when the call returns.
        JavaCache inline = JavaCache.of(new Cache("mem://", clock, CoroutineScopeKt.CoroutineScope(Dispatchers.getUnconfined())));
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<String, Integer> rates = inline.early(Integer.class).ttl("1h").earlyTtl("10m").key("rates:{c}")
            .build(c -> done(loads.incrementAndGet()));
        assertEquals(1, rates.apply("eur").join());
        JavaTestClock.advance(clock, Duration.ofMinutes(11));
        assertEquals(1, rates.apply("eur").join());
        assertEquals(2, loads.get());
        assertEquals(2, rates.apply("eur").join());
    }

    @Test
    void softServesTheStaleValueOnlyForTheNamedFailures() {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        CachedFunction<String, String> profile = jc.soft(String.class).ttl("1h").softTtl("1m").key("profile:{id}")
            .exceptions(UncheckedIOException.class)
            .build(id -> {
                RuntimeException e = failure.get();
                return e == null ? done("fresh " + id) : CompletableFuture.failedFuture(e);
            });
        assertEquals("fresh a", profile.apply("a").join());
        JavaTestClock.advance(clock, Duration.ofMinutes(2));
        failure.set(new UncheckedIOException(new IOException("down")));
        assertEquals("fresh a", profile.apply("a").join());
        failure.set(new IllegalStateException("bug"));
        CompletionException e = assertThrows(CompletionException.class, () -> profile.apply("a").join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void failoverFallsBackToTheLastGoodValue() {
        AtomicInteger calls = new AtomicInteger();
        CachedFunction<String, String> quote = jc.failover(String.class).ttl("1h").key("quote:{s}")
            .build(s -> calls.incrementAndGet() == 1
                ? done("good")
                : CompletableFuture.failedFuture(new IOException("down")));
        assertEquals("good", quote.apply("x").join());
        assertEquals("good", quote.apply("x").join());
        assertEquals(2, calls.get());
    }

    @Test
    void theCacheWideFailExceptionsApplyWhereABuilderNamesNone() {
        jc.setDefaultFailExceptions(IOException.class);
        AtomicInteger calls = new AtomicInteger();
        CachedFunction<String, String> quote = jc.failover(String.class).ttl("1h").key("quote:{s}")
            .build(s -> switch (calls.incrementAndGet()) {
                case 1 -> done("good");
                case 2 -> CompletableFuture.<String>failedFuture(new IOException("down"));
                default -> CompletableFuture.<String>failedFuture(new IllegalStateException("not a default"));
            });
        assertEquals("good", quote.apply("y").join());
        assertEquals("good", quote.apply("y").join());
        CompletionException error = assertThrows(CompletionException.class, () -> quote.apply("y").join());
        assertInstanceOf(IllegalStateException.class, error.getCause());
        assertEquals("hello", jc.ping("hello").join());
    }

    @Test
    void aBuilderTurnedOffCallsItsLoaderEveryTimeAndStoresNothing() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CachedBuilder<Integer> off = jc.cached(Integer.class).ttl("1h").key("off:{n}").enabled(false);
        CachedFunction<Integer, Integer> square = off.build(n -> {
            loads.incrementAndGet();
            return done(n * n);
        });
        assertEquals(16, square.apply(4).join());
        assertEquals(16, square.apply(4).join());
        assertEquals(16, off.get("off:direct", () -> {
            loads.incrementAndGet();
            return done(16);
        }).join());
        assertEquals(16, off.getBlocking("off:direct", () -> {
            loads.incrementAndGet();
            return 16;
        }));
        assertEquals(4, loads.get());
        assertEquals(false, jc.exists("off:4").join());
        assertEquals(false, jc.exists("off:direct").join());
    }

    @Test
    void hitAndDynamicCountTheirHits() {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<String, Integer> twice = jc.hit(Integer.class).ttl("1h").cacheHits(2).key("h:{k}")
            .build(k -> done(loads.incrementAndGet()));
        assertEquals(1, twice.apply("k").join());
        assertEquals(1, twice.apply("k").join());
        assertEquals(1, twice.apply("k").join());
        assertEquals(2, twice.apply("k").join());

        HitBuilder<Integer> dynamic = jc.dynamic(Integer.class).key("d:{k}");
        Map<String, Object> parameters = dynamic.policy().parameters();
        assertEquals(3, parameters.get("cacheHits"));
        assertEquals(1, parameters.get("updateAfter"));
    }

    @Test
    void lockedRunsOneCallerAtATime() {
        LockedBuilder<String> builder = jc.locked(String.class).ttl("10s").key("job:{id}").wait(false);
        CompletableFuture<String> release = new CompletableFuture<>();
        CachedFunction<Long, String> job = builder.build(id -> release);
        CompletableFuture<String> first = job.apply(1L);
        CompletionException busy = assertThrows(CompletionException.class, () -> job.apply(1L).join());
        assertInstanceOf(io.cashews.LockedError.class, busy.getCause());
        release.complete("done");
        assertEquals("done", first.join());
        assertEquals(false, builder.policy().parameters().get("wait"));
    }

    @Test
    void aCachedBuilderTakesAnExpiryAPointInTimeATimeOfDayOrOneComputedPerLoad() {
        Instant now = Instant.ofEpochMilli(jc.getCache().epochMillis());
        AtomicInteger loads = new AtomicInteger();
        CachedBuilder<Integer> until = jc.cached(Integer.class).expiry(Expiry.at(now.plusSeconds(10)));
        assertEquals(1, until.getBlocking("until", loads::incrementAndGet));
        JavaTestClock.advance(clock, Duration.ofSeconds(9));
        assertEquals(1, until.getBlocking("until", loads::incrementAndGet));
        JavaTestClock.advance(clock, Duration.ofSeconds(1));
        assertEquals(2, until.getBlocking("until", loads::incrementAndGet));

        CachedBuilder<String> daily = jc.cached(String.class).expiry("06:00 Europe/Paris");
        assertEquals("report", daily.getBlocking("report", () -> "report"));
        KeyTtl.Expiring left = assertInstanceOf(KeyTtl.Expiring.class, jc.ttl("report").join());
        assertTrue(left.getRemaining().compareTo(Duration.ofDays(1)) <= 0);

        CachedBuilder<String> computed = jc.cached(String.class)
            .expiry(item -> item.getValue().startsWith("keep") ? Expiry.after(Duration.ofMinutes(5)) : Expiry.of(true));
        assertEquals("keep", computed.getBlocking("computed:keep", () -> "keep"));
        assertEquals("drop", computed.getBlocking("computed:drop", () -> "drop"));
        KeyTtl.Expiring kept = assertInstanceOf(KeyTtl.Expiring.class, jc.ttl("computed:keep").join());
        assertEquals(Duration.ofMinutes(5), kept.getRemaining());
        assertEquals(KeyTtl.Missing.INSTANCE, jc.ttl("computed:drop").join());

        assertThrows(InvalidTtlError.class, () -> jc.cached(String.class).expiry("at noon"));
    }

    @Test
    void earlySoftAndHitBuildersTakeProtect() {
        assertEquals(false, jc.early(String.class).ttl("1h").protect(false).policy().getProtected());
        assertEquals(false, jc.soft(String.class).ttl("1h").protect(false).policy().getProtected());
        assertEquals(false, jc.hit(String.class).ttl("1h").cacheHits(2).protect(false).policy().getProtected());
        assertEquals(true, jc.dynamic(String.class).policy().getProtected());
        assertEquals(false, jc.failover(String.class).ttl("1h").policy().getProtected());
    }

    @Test
    void aJavaHandleWithoutAKeyTemplateIsRefusedNamingTheBuilder() {
        KeyTemplateError error = assertThrows(KeyTemplateError.class,
            () -> jc.cached(String.class).ttl("1h").build((Long id) -> done("x")));
        assertTrue(error.getMessage().contains("no key template set for the CachedBuilder"), error.getMessage());
    }

    @Test
    void aBuilderTagsEachValueWithTagsComputedFromIt() {
        CachedBuilder<String> owners = jc.cached(String.class).ttl("1h")
            .resultTags(owner -> List.of("user:" + owner));
        assertEquals("ann", owners.getBlocking("book:1>owner", () -> "ann"));
        assertTrue(jc.exists("book:1>owner").join());
        jc.deleteTags(List.of("user:ann")).join();
        assertEquals(false, jc.exists("book:1>owner").join());
        assertEquals(false, jc.early(String.class).ttl("1h").resultTags(v -> List.of()).policy().getResultTags() == null);
    }

    @Test
    void aDoorKeeperStoresAKeyFromItsSecondLoadOn() {
        CachedBuilder<String> admitted = jc.cached(String.class).ttl("1h").doorKeeper(new DoorKeeper(1_000));
        assertEquals("first", admitted.getBlocking("door", () -> "first"));
        assertEquals(false, jc.exists("door").join());
        assertEquals("second", admitted.getBlocking("door", () -> "second"));
        assertEquals("second", admitted.getBlocking("door", () -> "third"));
    }

    @Test
    void aHandlePeeksWithoutLoadingAndListensToItsOwnKeys() throws Exception {
        List<String> hits = new java.util.concurrent.CopyOnWriteArrayList<>();
        CachedFunction<Long, String> user = jc.cached(String.class).ttl("1h").key("peek:{id}")
            .build(id -> done("user" + id));
        AutoCloseable listening = user.listen(new io.cashews.CacheEventListener() {
            @Override
            public void onHit(String key, String strategy) {
                hits.add(key);
            }
        });
        try {
            assertNull(user.peek(1L).join());
            assertEquals("user1", user.apply(1L).join());
            assertEquals("user1", user.peek(1L).join());
            assertEquals("user1", user.apply(1L).join());
            assertEquals("other", jc.cached(String.class).ttl("1h").get("elsewhere", () -> done("other")).join());
            jc.cached(String.class).ttl("1h").get("elsewhere", () -> done("again")).join();
        } finally {
            listening.close();
        }
        assertEquals(List.of("peek:1"), hits);
        assertEquals("user1", user.apply(1L).join());
        assertEquals(List.of("peek:1"), hits);
    }
}

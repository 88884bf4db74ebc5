package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.CacheCommand;
import io.cashews.CacheCondition;
import io.cashews.CachedFunctionInfo;
import io.cashews.Command;
import io.cashews.CommandObserver;
import io.cashews.JavaCache;
import io.cashews.NotConfiguredError;
import io.cashews.Ttl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

class JavaExtensionPointsTest {
    private final Cache cache = new Cache("mem://?size=100");
    private final JavaCache jc = JavaCache.of(cache);

    @Test
    void aJavaInterceptorSeesEveryCommandAndCanAnswerItself() {
        List<String> seen = new CopyOnWriteArrayList<>();
        FutureInterceptor interceptor = new FutureInterceptor() {
            @Override
            public <R> CompletableFuture<R> intercept(FutureInterceptor.Chain<R> chain) {
                seen.add(chain.getCommand().getClass().getSimpleName() + "@" + chain.getLayer());
                if (chain.getCommand() instanceof CacheCommand.Get get && get.getKey().equals("answered")) {
                    @SuppressWarnings("unchecked")
                    R answer = (R) "by the interceptor";
                    return CompletableFuture.completedFuture(answer);
                }
                return chain.proceed(chain.getCommand());
            }
        };
        jc.addInterceptor(interceptor);
        jc.set("k", "v").join();
        assertEquals("v", jc.get("k", String.class).join());
        assertEquals("by the interceptor", jc.get("answered", String.class).join());
        assertTrue(seen.contains("Set@mem"), seen.toString());
        assertTrue(seen.contains("Get@mem"), seen.toString());

        assertTrue(jc.removeInterceptor(interceptor));
        assertFalse(jc.removeInterceptor(interceptor));
        assertNull(jc.get("answered", String.class).join());
    }

    @Test
    void aJavaObserverImplementsTwoPlainMethodsAndSeesInMemoryHits() {
        List<String> seen = new CopyOnWriteArrayList<>();
        CommandObserver observer = new CommandObserver() {
            @Override
            public long onStart(Command kind, String key, String layer) {
                return System.nanoTime();
            }

            @Override
            public void onEnd(Command kind, String key, String layer, long started, Throwable failure) {
                seen.add(kind + " " + key + " " + layer + (failure == null ? "" : " failed"));
            }
        };
        JavaCache jc = JavaCache.of(new Cache("mem://"));
        jc.set("k", "v").join();
        jc.getCache().addInterceptor(observer);
        assertEquals("v", jc.get("k", String.class).join());
        assertEquals(List.of("GET k mem"), seen);
        jc.getCache().close();
    }

    @Test
    void aJavaListenerHearsLoadsWithJavaDurations() {
        List<Duration> loads = new CopyOnWriteArrayList<>();
        List<String> hits = new CopyOnWriteArrayList<>();
        cache.addListener(new JavaEventListener() {
            @Override
            public void onLoad(String key, String strategy, Duration duration) {
                loads.add(duration);
            }

            @Override
            public void onHit(String key, String strategy) {
                hits.add(key);
            }
        });
        CachedFunction<Long, String> userById = jc.cached(String.class).ttl("1h").key("user:{id}")
            .build(id -> CompletableFuture.completedFuture("user" + id));
        userById.apply(1L).join();
        userById.apply(1L).join();
        assertEquals(1, loads.size());
        assertFalse(loads.get(0).isNegative());
        assertEquals(List.of("user:1"), hits);
    }

    @Test
    void ttlParsesToAJavaDuration() {
        Duration ttl = Ttl.parse("1h30m");
        assertEquals(Duration.ofMinutes(90), ttl);
        assertThrows(io.cashews.InvalidTtlError.class, () -> Ttl.parse("soon"));
    }

    @Test
    void conditionsNameExceptionClassesAndInfoGivesJavaDurations() {
        CacheCondition notFound = CacheCondition.withExceptions(Duration.ofMinutes(5), IllegalStateException.class);
        assertTrue(notFound.storesException(new IllegalStateException("no such user")));
        assertFalse(notFound.storesException(new IllegalArgumentException("bad id")));
        assertTrue(notFound.storesValue("v", "k"));
        CacheCondition onlyFailures = CacheCondition.onlyExceptions(null);
        assertTrue(onlyFailures.storesException(new RuntimeException("any")));
        assertFalse(onlyFailures.storesValue("v", "k"));

        CachedFunction<Long, String> userById = jc.cached(String.class).ttl("1h").key("user:{id}")
            .build(id -> CompletableFuture.completedFuture("user" + id));
        userById.apply(1L).join();
        CachedFunctionInfo info = userById.info().join();
        Duration sinceSweep = info.getSinceExpirySweep();
        assertTrue(sinceSweep == null || !sinceSweep.isNegative(), String.valueOf(sinceSweep));
    }

    @Test
    void aCacheClosesFromJava() {
        jc.set("k", "v").join();
        cache.close();
        assertThrows(NotConfiguredError.class, () -> {
            try {
                jc.get("k", String.class).join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void theJavaFacingTypesHaveNoMangledNames() {
        String listener = javap("io.cashews.java.JavaEventListener");
        assertTrue(listener.contains("public void onLoad(java.lang.String, java.lang.String, java.time.Duration)"), listener);
        assertTrue(listener.contains(
            "public void onLoadFailure(java.lang.String, java.lang.String, java.lang.Throwable, java.time.Duration)"), listener);
        assertTrue(javap("io.cashews.Ttl").contains("java.time.Duration parse(java.lang.String)"), javap("io.cashews.Ttl"));
        assertTrue(javap("io.cashews.Cache").contains("void close()"));
        assertTrue(javap("io.cashews.CachedFunctionInfo").contains("java.time.Duration getSinceExpirySweep()"));
        assertTrue(javap("io.cashews.java.JavaCommandCallback").contains(
            "public abstract void onCommand(io.cashews.CacheCommand<?>, java.lang.Object)"), javap("io.cashews.java.JavaCommandCallback"));
        assertTrue(javap("io.cashews.KeyTtl$Expiring").contains("java.time.Duration getRemaining()"));
        assertTrue(javap("io.cashews.RateLimitError").contains("java.time.Duration getRetryAfter()"));
        assertTrue(javap("io.cashews.CacheCommand$Set").contains("java.time.Duration getTtl()"));
        assertTrue(javap("io.cashews.java.BlockingCache").contains(
            "public final <T> T get(java.lang.String, java.lang.Class<T>) throws java.lang.InterruptedException"),
            javap("io.cashews.java.BlockingCache"));
        assertTrue(javap("io.cashews.CacheCondition").contains(
            "io.cashews.CacheCondition withExceptions(java.time.Duration, java.lang.Class<? extends java.lang.Throwable>...)"),
            javap("io.cashews.CacheCondition"));
        for (String type : List.of("io.cashews.java.FutureInterceptor", "io.cashews.java.FutureInterceptor$Chain",
                "io.cashews.java.StrategyBuilder", "io.cashews.java.CachingBuilder", "io.cashews.java.CachedBuilder",
                "io.cashews.java.EarlyBuilder", "io.cashews.java.SoftBuilder", "io.cashews.java.FailoverBuilder",
                "io.cashews.java.HitBuilder", "io.cashews.java.LockedBuilder", "io.cashews.java.CachedFunction",
                "io.cashews.java.CachedBiFunction", "io.cashews.java.CachedSupplier", "io.cashews.java.JavaCommandCallback",
                "io.cashews.java.BlockingCache", "io.cashews.java.BlockingTransaction", "io.cashews.java.JavaTransaction",
                "io.cashews.java.RateLimitBuilder", "io.cashews.java.SliceRateLimitBuilder",
                "io.cashews.java.CircuitBreakerBuilder", "io.cashews.JavaCache")) {
            String members = javap(type);
            // Kotlin mangles a member taking or returning a value class (a Kotlin Duration) with a '-' suffix.
            assertFalse(members.matches("(?s).*\\w-[\\w]{7}\\(.*"), type + " has a mangled member:\n" + members);
        }
    }

    private static String javap(String type) {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        StringWriter out = new StringWriter();
        int status = javap.run(new PrintWriter(out), new PrintWriter(out),
            "-public", "-cp", System.getProperty("java.class.path"), type);
        assertEquals(0, status, out.toString());
        return out.toString();
    }
}

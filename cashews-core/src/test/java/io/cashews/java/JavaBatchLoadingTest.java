package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.MemoryBackend;
import io.cashews.WarmUpReport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class JavaBatchLoadingTest {
    private final JavaCache jc = JavaCache.of(new Cache("mem://"));

    private static Map<Long, String> names(List<Long> ids, String how) {
        Map<Long, String> found = new LinkedHashMap<>();
        for (Long id : ids) found.put(id, how + " " + id);
        return found;
    }

    @Test
    void cachedManyReadsTheHitsAndLoadsTheMissesInOneCall() {
        jc.set("user:2", "stored").join();
        List<List<Long>> asked = new ArrayList<>();
        Map<Long, String> users = jc.cachedMany(
            List.of(1L, 2L, 3L),
            Duration.ofHours(1),
            String.class,
            id -> "user:" + id,
            missing -> {
                asked.add(missing);
                return CompletableFuture.completedFuture(new LinkedHashMap<>(names(missing, "loaded")));
            }).join();
        assertEquals(Map.of(1L, "loaded 1", 2L, "stored", 3L, "loaded 3"), users);
        assertEquals(List.of(List.of(1L, 3L)), asked);
        assertEquals("loaded 3", jc.get("user:3", String.class).join());
    }

    @Test
    void aHandleWithABulkLoaderAnswersGetAllFromOneLoadAndBlocksToo() {
        List<List<Long>> batches = new ArrayList<>();
        CachedFunction<Long, String> user = jc.cached(String.class)
            .ttl("1h")
            .key("u:{id}")
            .build((Long id) -> CompletableFuture.completedFuture("one " + id))
            .withBulkLoader(ids -> {
                batches.add(ids);
                return CompletableFuture.completedFuture(names(ids, "bulk"));
            });
        assertEquals("one 1", user.apply(1L).join());
        assertEquals(Map.of(1L, "one 1", 2L, "bulk 2"), user.getAll(List.of(1L, 2L)).join());
        assertEquals(Map.of(2L, "bulk 2", 3L, "bulk 3"), user.getAllBlocking(List.of(2L, 3L)));
        assertEquals(List.of(List.of(2L), List.of(3L)), batches);
    }

    @Test
    void aFailingBulkLoaderFailsTheFutureWithItsOwnException() {
        IOException failure = new IOException("bulk down");
        CachedFunction<Long, String> user = jc.cached(String.class)
            .ttl("1h")
            .key("f:{id}")
            .build((Long id) -> CompletableFuture.completedFuture("one " + id))
            .withBulkLoader(ids -> CompletableFuture.failedFuture(failure), true);
        CompletionException thrown = assertThrows(CompletionException.class, () -> user.getAll(List.of(1L)).join());
        assertSame(failure, thrown.getCause());
    }

    @Test
    void aWarmUpLoadsInBatchesAndReports() {
        List<List<Long>> batches = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= 250; id++) ids.add(id);
        WarmUpReport report = jc.warmUp("users", ids, Duration.ofHours(1), String.class, id -> "w:" + id, batch -> {
            batches.add(batch);
            return CompletableFuture.completedFuture(new LinkedHashMap<>(names(batch, "warm")));
        }, 2, 100).join();
        assertEquals(250, report.getPresent());
        assertEquals(3, batches.size());
        assertEquals("warm 42", jc.get("w:42", String.class).join());

        CachedFunction<Long, String> user = jc.cached(String.class)
            .ttl("1h")
            .key("h:{id}")
            .build((Long id) -> CompletableFuture.completedFuture("one " + id));
        assertEquals(250, user.warmUp(ids).join().getPresent());
        assertEquals("one 7", jc.get("h:7", String.class).join());
    }

    @Test
    void aMemoryBackendWithCaffeinesPoliciesFromJavaTellsWhyEntriesLeave() {
        List<String> removals = new ArrayList<>();
        Cache cache = new Cache();
        cache.setup(MemoryBackend.of(1_000, Duration.ofMinutes(10), null, false,
            (key, value, reason) -> removals.add(key + "=" + value + ":" + reason)));
        JavaCache java = JavaCache.of(cache);
        java.set("k", "first").join();
        java.set("k", "second").join();
        java.delete("k").join();
        assertEquals(List.of("k=first:REPLACED", "k=second:EXPLICIT"), removals);
        assertThrows(IllegalArgumentException.class, () -> MemoryBackend.of(10, Duration.ofSeconds(-1)));
    }
}

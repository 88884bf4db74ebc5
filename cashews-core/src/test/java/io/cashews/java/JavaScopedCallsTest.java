package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.CacheCommand;
import io.cashews.CacheCondition;
import io.cashews.Command;
import io.cashews.Detected;
import io.cashews.DetectedHit;
import io.cashews.JavaCache;
import io.cashews.StrategyStats;
import io.cashews.TransactionMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.FlowAdapters;

/** The scoped calls of the Java face: their effects reach the commands Java code starts inside them. */
class JavaScopedCallsTest {
    private final JavaCache jc = JavaCache.of(new Cache("mem://?size=1000"));
    private final ExecutorService elsewhere = Executors.newSingleThreadExecutor(r -> new Thread(r, "elsewhere"));
    private final AtomicInteger loads = new AtomicInteger();
    private final CachedFunction<Long, String> userById = jc.cached(String.class).ttl("1h").key("user:{id}")
        .build(id -> CompletableFuture.completedFuture("user" + id + "#" + loads.incrementAndGet()));

    @AfterEach
    void stop() {
        elsewhere.shutdownNow();
    }

    @Test
    void aTransactionCommitsWhenItsFutureCompletesAndSeesItsOwnWrites() {
        String seen = jc.transaction(tx -> {
            assertEquals(TransactionMode.LOCKED, tx.getMode());
            return tx.set("a", "1").thenCompose(written -> jc.get("a", String.class));
        }).join();

        assertEquals("1", seen, "a command of the outer face started inside the block reads the buffered write");
        assertEquals("1", jc.get("a", String.class).join());
    }

    @Test
    void aTransactionWhoseFutureFailsAppliesNothingAndFailsWithTheSameException() {
        IllegalStateException refused = new IllegalStateException("insufficient funds");

        CompletionException failed = assertThrows(CompletionException.class, () ->
            jc.transaction(TransactionMode.FAST, tx -> tx.incr("balance", -10, null)
                .thenCompose(left -> userById.apply(7L))
                .thenCompose(user -> CompletableFuture.<Void>failedFuture(refused))).join());

        assertOriginal(refused, failed.getCause());
        assertNull(jc.get("balance", Long.class).join());
        assertNull(jc.get("user:7", String.class).join(), "a handle called inside is rolled back too");
    }

    @Test
    void theTransactionHandleStaysBoundOnThreadsOfTheCallersOwn() {
        assertThrows(CompletionException.class, () -> jc.transaction(tx -> {
            // Completed on a thread of the caller's own after the chain is built, so the chain runs on that thread.
            CompletableFuture<String> fromElsewhere = new CompletableFuture<>();
            CompletableFuture<Void> chain = fromElsewhere
                .thenCompose(x -> tx.set("bound", x))
                .thenCompose(x -> jc.set("unbound", "y"))
                .thenCompose(x -> CompletableFuture.failedFuture(new IllegalStateException("undo")));
            elsewhere.execute(() -> fromElsewhere.complete("x"));
            return chain;
        }).join());

        assertNull(jc.get("bound", String.class).join(), "the transaction handle's write was rolled back");
        assertEquals("y", jc.get("unbound", String.class).join(),
            "a write through the outer face from a foreign thread is not part of the transaction, as documented");
    }

    @Test
    void commitAndRollbackApplyOrDropWhatWasWrittenSoFar() {
        jc.transaction(tx -> tx.set("kept", 1)
            .thenCompose(x -> tx.commit())
            .thenCompose(x -> tx.set("dropped", 2))
            .thenCompose(x -> tx.rollback())
            .thenCompose(x -> tx.set("last", 3))).join();

        assertEquals(1, jc.get("kept", Integer.class).join());
        assertNull(jc.get("dropped", Integer.class).join());
        assertEquals(3, jc.get("last", Integer.class).join());
    }

    @Test
    void aTransactionIsInvisibleToOtherCallersUntilItCommits() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Boolean> running = jc.transaction(tx -> tx.set("pending", "v").thenCompose(x ->
            release.thenApply(y -> true)));

        assertNull(jc.get("pending", String.class).join());
        release.complete(null);
        assertTrue(running.join());
        assertEquals("v", jc.get("pending", String.class).join());
    }

    @Test
    void invalidateDeletesWhatTheTemplateRendersOnceTheBlockSucceeded() {
        userById.apply(42L).join();
        userById.apply(43L).join();

        assertThrows(CompletionException.class, () ->
            jc.invalidate("user:{id}", Map.of("id", 42L), () -> CompletableFuture.failedFuture(new IllegalStateException())).join());
        assertEquals("user42#1", jc.get("user:42", String.class).join(), "a failed block deletes nothing");

        assertEquals("renamed", jc.invalidate("user:{id}", Map.of("id", 42L), () -> CompletableFuture.completedFuture("renamed")).join());
        assertNull(jc.get("user:42", String.class).join());
        assertEquals("user43#2", jc.get("user:43", String.class).join());

        jc.invalidate("user:{id}", () -> CompletableFuture.completedFuture(null)).join();
        assertNull(jc.get("user:43", String.class).join(), "a placeholder without a value matches every key");
    }

    @Test
    void invalidateFurtherRecomputesWhatTheBlockReads() {
        userById.apply(1L).join();

        assertEquals("user1#2", jc.invalidateFurther(() -> userById.apply(1L)).join());
        assertEquals("user1#2", userById.apply(1L).join(), "outside the block, the fresh value is a hit");
        assertEquals(2, loads.get());
    }

    @Test
    void detectReportsTheHitsOfTheBlockWithTheirFreshness() {
        CachedFunction<Long, String> early = jc.early(String.class).ttl("1h").earlyTtl("10m").key("page:{id}")
            .build(id -> CompletableFuture.completedFuture("page" + id));
        userById.apply(5L).join();
        early.apply(5L).join();

        Detected<String> detected = jc.detect(() -> userById.apply(5L).thenCompose(user -> early.apply(5L))).join();

        assertEquals("page5", detected.getValue());
        List<DetectedHit> hits = detected.getHits();
        assertEquals(List.of("user:5", "early:page:5"), hits.stream().map(DetectedHit::getKey).toList());
        assertEquals("cached", hits.get(0).getStrategy());
        assertNull(hits.get(0).getFreshFor());
        Duration freshFor = hits.get(1).getFreshFor();
        assertTrue(freshFor.compareTo(Duration.ZERO) > 0 && freshFor.compareTo(Duration.ofMinutes(10)) <= 0, freshFor.toString());
        assertTrue(jc.detect(() -> CompletableFuture.completedFuture(1)).join().getHits().isEmpty());
    }

    @Test
    void disablingAppliesToTheBlockOnly() {
        userById.apply(9L).join();

        assertEquals("user9#2", jc.disabling(EnumSet.of(Command.GET), () -> userById.apply(9L)).join());
        assertEquals("user9#2", userById.apply(9L).join());
        assertFalse(jc.disabling(() -> jc.set("off", 1)).join(), "every command is disabled when none is named");
        assertNull(jc.get("off", Integer.class).join());
    }

    @Test
    void aJavaCommandCallbackIsToldOfTheCommandsOfTheBlock() {
        List<String> written = new CopyOnWriteArrayList<>();
        List<Duration> ttls = new ArrayList<>();
        JavaCommandCallback callback = (command, result) -> {
            written.addAll(command.getKeys());
            if (command instanceof CacheCommand.Set set) ttls.add(set.getTtl());
        };

        jc.callback(EnumSet.of(Command.SET), callback, () -> jc.set("k1", "v", Duration.ofMinutes(1))
            .thenCompose(x -> jc.get("k1", String.class))
            .thenCompose(x -> jc.set("k2", "v", Duration.ofMinutes(2)))).join();
        jc.set("after", "v").join();

        assertEquals(List.of("k1", "k2"), written);
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2)), ttls);
    }

    @Test
    void statsCountWhatTheStrategiesDid() {
        jc.getCache().setRecordStats(true);
        userById.apply(1L).join();
        userById.apply(1L).join();
        jc.cached("one-off", Duration.ofMinutes(1), String.class, () -> CompletableFuture.completedFuture("v")).join();
        jc.cached("one-off", Duration.ofMinutes(1), String.class, () -> CompletableFuture.completedFuture("v")).join();

        StrategyStats cached = jc.stats().join().get("cached");
        assertEquals(2L, cached.getHits(), "one-off calls count their hits like handles do");
        assertEquals(2L, cached.getMisses());
        assertEquals(2L, cached.getLoads());
        assertEquals(0.5, cached.getHitRate());
    }

    @Test
    void aCachedFlowPublisherRecordsOnceAndReplaysWithoutUpstream() {
        ListPublisher<String> upstream = new ListPublisher<>(List.of("a", "b", "c"));
        Flow.Publisher<String> pages = jc.cachedFlow(upstream, "pages", Duration.ofMinutes(5), String.class);

        assertEquals(List.of("a", "b", "c"), collect(pages).join());
        assertEquals(List.of("a", "b", "c"), collect(pages).join());
        assertEquals(1, upstream.subscriptions.get(), "the second subscription replayed from the cache");
    }

    @Test
    void aReactiveStreamsPublisherIsCachedTheSameWay() {
        ListPublisher<Integer> upstream = new ListPublisher<>(List.of(1, 2));
        org.reactivestreams.Publisher<Integer> numbers = jc.cachedPublisher(FlowAdapters.toPublisher(upstream), "numbers",
            Duration.ofMinutes(5), Integer.class, CacheCondition.Always, List.of("numbers"));

        assertEquals(List.of(1, 2), collect(FlowAdapters.toFlowPublisher(numbers)).join());
        assertEquals(List.of(1, 2), collect(FlowAdapters.toFlowPublisher(numbers)).join());
        jc.deleteTags(List.of("numbers")).join();
        assertEquals(List.of(1, 2), collect(FlowAdapters.toFlowPublisher(numbers)).join());
        assertEquals(2, upstream.subscriptions.get());
    }

    @Test
    void aScopedBlockReturningNoFutureFailsWithAClearError() {
        CompletionException failed = assertThrows(CompletionException.class, () -> jc.detect(() -> null).join());

        assertTrue(failed.getCause() instanceof NullPointerException);
        assertEquals("the detect block returned null instead of a CompletableFuture", failed.getCause().getMessage());
    }

    /**
     * [actual] is [expected], or the copy kotlinx.coroutines makes of it in debug mode (on under -ea, as in tests) to
     * add the coroutine's frames: same class and message, the original as its cause.
     */
    static void assertOriginal(Throwable expected, Throwable actual) {
        if (actual == expected) return;
        assertSame(expected.getClass(), actual.getClass());
        assertEquals(expected.getMessage(), actual.getMessage());
        assertSame(expected, actual.getCause());
    }

    private static <T> CompletableFuture<List<T>> collect(Flow.Publisher<T> publisher) {
        CompletableFuture<List<T>> all = new CompletableFuture<>();
        List<T> elements = new CopyOnWriteArrayList<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            public void onNext(T item) {
                elements.add(item);
            }

            public void onError(Throwable error) {
                all.completeExceptionally(error);
            }

            public void onComplete() {
                all.complete(List.copyOf(elements));
            }
        });
        return all;
    }

    /** A publisher of fixed elements that honours demand and counts its subscriptions. */
    private static final class ListPublisher<T> implements Flow.Publisher<T> {
        private final List<T> elements;
        final AtomicInteger subscriptions = new AtomicInteger();

        ListPublisher(List<T> elements) {
            this.elements = elements;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super T> subscriber) {
            subscriptions.incrementAndGet();
            subscriber.onSubscribe(new Flow.Subscription() {
                private int next;
                private boolean done;

                @Override
                public synchronized void request(long n) {
                    for (long i = 0; i < n && next < elements.size(); i++) subscriber.onNext(elements.get(next++));
                    if (next == elements.size() && !done) {
                        done = true;
                        subscriber.onComplete();
                    }
                }

                @Override
                public synchronized void cancel() {
                    done = true;
                }
            });
        }
    }
}

package io.cashews.java;

import static io.cashews.java.JavaScopedCallsTest.assertOriginal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.Command;
import io.cashews.Detected;
import io.cashews.JavaCache;
import io.cashews.KeyTtl;
import io.cashews.TransactionMode;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The blocking face, used the way code on virtual threads uses it. */
class BlockingCacheTest {
    private final JavaCache jc = JavaCache.of(new Cache("mem://?size=1000"));
    private final BlockingCache cache = jc.blocking();
    /** Virtual threads where the JVM has them (21+), else platform threads: the blocking face works on either. */
    private final ExecutorService virtualThreads = VirtualThreads.executor();

    @AfterEach
    void stop() {
        virtualThreads.shutdownNow();
    }

    @Test
    void runsOnVirtualThreads() throws Exception {
        Assumptions.assumeTrue(VirtualThreads.AVAILABLE, "this JVM has no virtual threads");
        cache.set("k", "v");
        assertEquals("v", virtualThreads.submit(() -> {
            assertTrue(VirtualThreads.isVirtual(Thread.currentThread()));
            return cache.get("k", String.class);
        }).get());
    }

    @Test
    void everyCommandAnswersDirectly() throws Exception {
        assertSame(cache, jc.blocking(), "one blocking face per cache");
        assertTrue(cache.set("user:1", "ann", Duration.ofHours(1)));
        assertEquals("ann", cache.get("user:1", String.class));
        assertNull(cache.get("user:2", String.class));
        assertEquals(5L, cache.incr("visits", 5, Duration.ofMinutes(1)));
        assertEquals(6L, cache.incr("visits"));
        KeyTtl.Expiring left = assertInstanceOf(KeyTtl.Expiring.class, cache.ttl("user:1"));
        assertTrue(left.getRemaining().compareTo(Duration.ofHours(1)) <= 0);
        cache.setMany(Map.of("a", 1, "b", 2), null);
        assertEquals(List.of(1, 2), cache.getMany(List.of("a", "b"), Integer.class));
        assertEquals(Map.of("a", 1, "b", 2), cache.getMatch("[ab]", Integer.class));
        assertEquals(2L, cache.deleteMany(List.of("a", "b")));
        assertTrue(cache.exists("user:1"));
        assertTrue(cache.delete("user:1"));
        assertEquals(2L, cache.setAdd("team", List.of("ann", "bob"), null));
        assertEquals(java.util.Set.of("ann", "bob"), cache.setMembers("team"));
        assertTrue(cache.ping());
        cache.clear();
        assertEquals(0L, cache.keysCount());
    }

    @Test
    void getOrSetComputesOnTheCallingThreadOnlyWhenMissing() throws Exception {
        AtomicReference<Thread> computedOn = new AtomicReference<>();
        Thread caller = virtualThreads.submit(() -> {
            assertEquals("v", cache.getOrSet("k", String.class, Duration.ofMinutes(1), () -> {
                computedOn.set(Thread.currentThread());
                return "v";
            }));
            assertEquals("v", cache.getOrSet("k", String.class, null, () -> "other"));
            return Thread.currentThread();
        }).get();

        assertSame(caller, computedOn.get());
    }

    @Test
    void failuresAreThrownAsTheFutureFaceCompletesWithThem() {
        IllegalStateException broken = new IllegalStateException("broken");

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
            cache.getOrSet("k", String.class, null, () -> {
                throw broken;
            }));

        assertOriginal(broken, thrown);
        assertThrows(io.cashews.InvalidTtlError.class, () -> cache.expire("k", Duration.ofSeconds(-1)));
    }

    @Test
    void interruptingAWaitingCommandCancelsItAndThrowsInterruptedException() throws Exception {
        cache.setLock("held", "someone-else", Duration.ofMinutes(5));
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread waiter = VirtualThreads.start(() -> {
            try {
                cache.isLocked("held", Duration.ofMinutes(5));
            } catch (InterruptedException expected) {
                interrupted.countDown();
            }
        });
        awaitParked(waiter);

        waiter.interrupt();

        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the waiting command threw InterruptedException");
        waiter.join();
        assertTrue(cache.unlock("held", "someone-else"), "the lock was left as it was");
    }

    @Test
    void interruptingAHandleWaitingForItsLoaderInterruptsTheLoader() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch loaderInterrupted = new CountDownLatch(1);
        CachedFunction<Long, String> slow = jc.cached(String.class).ttl("1h").key("slow:{id}")
            .buildBlocking(id -> {
                loading.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    loaderInterrupted.countDown();
                }
                return "never";
            });
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = VirtualThreads.start(() -> {
            try {
                outcome.set(new AssertionError("returned " + slow.applyBlocking(1L)));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        assertTrue(loading.await(10, TimeUnit.SECONDS));

        caller.interrupt();

        caller.join();
        assertInstanceOf(InterruptedException.class, outcome.get());
        assertTrue(loaderInterrupted.await(10, TimeUnit.SECONDS), "the loader's thread was interrupted");
        assertNull(cache.get("slow:1", String.class), "nothing was stored");
    }

    @Test
    void aBlockingTransactionRunsOnTheCallingThreadAndRollsBackWhenItThrows() throws Exception {
        Future<?> done = virtualThreads.submit(() -> {
            Thread caller = Thread.currentThread();
            long left = cache.transaction(TransactionMode.LOCKED, tx -> {
                assertSame(caller, Thread.currentThread());
                try {
                    tx.set("balance:a", 100L);
                    return cache.incr("balance:a", -30, null);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(70L, left);

            assertThrows(IllegalStateException.class, () -> cache.transaction(tx -> {
                try {
                    tx.incr("balance:a", -100, null);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                throw new IllegalStateException("insufficient funds");
            }));
            assertEquals(70L, cache.get("balance:a", Long.class));
            return null;
        });
        done.get(30, TimeUnit.SECONDS);
    }

    @Test
    void blockingScopedCallsReachTheCommandsOfTheBlock() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<Long, String> user = jc.cached(String.class).ttl("1h").key("user:{id}")
            .buildBlocking(id -> "user" + id + "#" + loads.incrementAndGet());
        assertEquals("user1#1", user.applyBlocking(1L));

        Detected<String> detected = cache.detect(() -> call(() -> user.applyBlocking(1L)));
        assertEquals("user1#1", detected.getValue());
        assertEquals(1, detected.getHits().size());

        assertEquals("user1#2", cache.invalidateFurther(() -> call(() -> user.applyBlocking(1L))));
        assertEquals("user1#3", cache.disabling(EnumSet.of(Command.GET), null, () -> call(() -> user.applyBlocking(1L))));
        assertEquals("done", cache.invalidate("user:{id}", Map.of("id", 1L), "", () -> "done"));
        assertNull(cache.get("user:1", String.class));

        List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();
        cache.callback(EnumSet.of(Command.SET), (command, result) -> keys.addAll(command.getKeys()),
            () -> call(() -> cache.set("seen", 1)));
        assertEquals(List.of("seen"), keys);
        assertFalse(cache.stats().containsKey("early"));
    }

    /** A blocking call inside a lambda that cannot throw InterruptedException. */
    private static <T> T call(Interruptible<T> body) {
        try {
            return body.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Interruptible<T> {
        T run() throws InterruptedException;
    }

    /** Waits, yielding, until [thread] parks: the state a waiting command leaves it in. Bounded; no clock involved. */
    private static void awaitParked(Thread thread) {
        for (long i = 0; i < 100_000_000L; i++) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) return;
            Thread.yield();
        }
        throw new AssertionError("the thread never parked: " + thread.getState());
    }
}

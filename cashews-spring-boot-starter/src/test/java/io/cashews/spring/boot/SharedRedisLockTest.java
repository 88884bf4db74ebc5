package io.cashews.spring.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.spring.boot.shop.Product;
import io.cashews.spring.boot.shop.ProductService;
import io.cashews.test.RedisProcess;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import io.cashews.spring.boot.shop.ShopApplication;

/**
 * Two instances of the shop, two application contexts in one JVM, sharing one redis-server: a cold key of a
 * {@code @Cached(lock = true)} method is loaded by one of them, while the other waits for the lock and then reads
 * what the first stored.
 */
class SharedRedisLockTest {
    @Test
    void aLockedCachedMethodLoadsOnceAcrossTwoApplications() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (RedisProcess redis = RedisProcess.start();
             ConfigurableApplicationContext first = shop(redis);
             ConfigurableApplicationContext second = shop(redis)) {
            ProductService one = first.getBean(ProductService.class);
            ProductService two = second.getBean(ProductService.class);
            CountDownLatch gate = new CountDownLatch(1);
            one.holdLockedLoads(gate);
            two.holdLockedLoads(gate);
            int before = ProductService.LOCKED_LOADS.get();

            CompletableFuture<Thread> firstThread = new CompletableFuture<>();
            Future<Product> fromFirst = callers.submit(() -> {
                firstThread.complete(Thread.currentThread());
                return one.lockedProduct(77);
            });
            // The first caller holds the lock once it waits at the gate, inside the load.
            awaitParked(firstThread.get(10, TimeUnit.SECONDS));
            CompletableFuture<Thread> secondThread = new CompletableFuture<>();
            Future<Product> fromSecond = callers.submit(() -> {
                secondThread.complete(Thread.currentThread());
                return two.lockedProduct(77);
            });
            awaitParked(secondThread.get(10, TimeUnit.SECONDS));
            gate.countDown();

            Product a = fromFirst.get(30, TimeUnit.SECONDS);
            Product b = fromSecond.get(30, TimeUnit.SECONDS);
            assertEquals(a, b);
            assertEquals(before + 1, ProductService.LOCKED_LOADS.get());
        } finally {
            callers.shutdownNow();
            assertTrue(callers.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static ConfigurableApplicationContext shop(RedisProcess redis) {
        return new SpringApplicationBuilder(ShopApplication.class)
            .properties("server.port=0", "cashews.setup=" + redis.getUrl(), "spring.main.banner-mode=off")
            .run();
    }

    /** Waits, without sleeping, until [thread] is parked (in a lock wait, a latch, a socket read). */
    private static void awaitParked(Thread thread) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline) throw new AssertionError(thread + " never parked: " + thread.getState());
            Thread.onSpinWait();
        }
    }
}

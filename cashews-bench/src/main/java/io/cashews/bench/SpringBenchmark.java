package io.cashews.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.java.CachedFunction;
import io.cashews.spring.Cached;
import io.cashews.spring.CashewsCacheManager;
import io.cashews.spring.EnableCashews;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Hits through Spring, in application contexts of the same shape: {@code @Cacheable} on Spring's
 * {@code CaffeineCacheManager} (the anchor) and on cashews' {@code CashewsCacheManager}, both bounded and keeping
 * entries an hour; and cashews' own
 * {@code @Cached} beside the Java function handle it runs on, called directly (the cost of Spring's proxy).
 * Reads are hits on the 2^15-slot Zipf workload of {@link GetBenchmark}; each invocation makes {@value BATCH} calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpringBenchmark {
    static final int BATCH = 1024;

    /** The bean every context proxies: one cached method per way of caching it. */
    public static class Items {
        @Cacheable("items")
        public Integer item(String key) {
            return key.length();
        }

        @Cached(ttl = "1h", key = "item:{key}")
        public Integer cachedItem(String key) {
            return key.length();
        }
    }

    @Configuration
    @EnableCaching
    public static class CaffeineContext {
        @Bean
        public CacheManager cacheManager() {
            CaffeineCacheManager manager = new CaffeineCacheManager();
            // The same shape as the cashews caches: bounded, and entries expire an hour after they are written.
            manager.setCaffeine(Caffeine.newBuilder().maximumSize(4L * GetBenchmark.SIZE).expireAfterWrite(Duration.ofHours(1)));
            return manager;
        }

        @Bean
        public Items items() {
            return new Items();
        }
    }

    @Configuration
    @EnableCaching
    public static class CaffeineNoExpiryContext {
        @Bean
        public CacheManager cacheManager() {
            CaffeineCacheManager manager = new CaffeineCacheManager();
            manager.setCaffeine(Caffeine.newBuilder().maximumSize(4L * GetBenchmark.SIZE));
            return manager;
        }

        @Bean
        public Items items() {
            return new Items();
        }
    }

    @Configuration
    @EnableCaching
    @EnableCashews
    public static class CashewsContext {
        @Bean(destroyMethod = "close")
        public Cache cache() {
            return new Cache("mem://?size=" + (4 * GetBenchmark.SIZE));
        }

        @Bean
        public JavaCache javaCache(Cache cache) {
            return JavaCache.of(cache);
        }

        @Bean
        public CacheManager cacheManager(JavaCache cache) {
            return new CashewsCacheManager(cache);
        }

        @Bean
        public Items items() {
            return new Items();
        }
    }

    String[] keys;
    AnnotationConfigApplicationContext caffeineContext;
    AnnotationConfigApplicationContext caffeineNoExpiryContext;
    AnnotationConfigApplicationContext cashewsContext;
    Items onCaffeine;
    Items onCaffeineNoExpiry;
    Items onCashews;
    CachedFunction<String, Integer> handle;

    @Setup
    public void setUp() {
        keys = ZipfKeys.generate(GetBenchmark.SIZE, GetBenchmark.ITEMS, 42);
        caffeineContext = new AnnotationConfigApplicationContext(CaffeineContext.class);
        caffeineNoExpiryContext = new AnnotationConfigApplicationContext(CaffeineNoExpiryContext.class);
        cashewsContext = new AnnotationConfigApplicationContext(CashewsContext.class);
        onCaffeine = caffeineContext.getBean(Items.class);
        onCaffeineNoExpiry = caffeineNoExpiryContext.getBean(Items.class);
        onCashews = cashewsContext.getBean(Items.class);
        handle = cashewsContext.getBean(JavaCache.class).cached(Integer.class).ttl("1h").key("handle:{key}")
            .build(key -> CompletableFuture.completedFuture(key.length()));
        for (String key : keys) {
            onCaffeine.item(key);
            onCaffeineNoExpiry.item(key);
            onCashews.item(key);
            onCashews.cachedItem(key);
            handle.apply(key).join();
        }
    }

    @TearDown
    public void tearDown() {
        caffeineContext.close();
        caffeineNoExpiryContext.close();
        cashewsContext.close();
    }

    /** The anchor: {@code @Cacheable} on Spring's {@code CaffeineCacheManager}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void cacheableOnCaffeine(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(onCaffeine.item(keys[index++ & mask]));
        thread.index = index;
    }

    /** Spring's {@code CaffeineCacheManager} as most applications leave it: bounded, no expiry. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void cacheableOnCaffeineNoExpiry(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(onCaffeineNoExpiry.item(keys[index++ & mask]));
        thread.index = index;
    }

    /** {@code @Cacheable} on cashews' {@code CashewsCacheManager} (in-memory backend). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void cacheableOnCashews(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(onCashews.item(keys[index++ & mask]));
        thread.index = index;
    }

    /** cashews' {@code @Cached} through Spring's proxy. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void cachedAnnotation(ThreadIndex thread, Blackhole bh) {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(onCashews.cachedItem(keys[index++ & mask]));
        thread.index = index;
    }

    /** The Java function handle {@code @Cached} runs on, called directly: {@code handle.applyBlocking(key)}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void handleDirect(ThreadIndex thread, Blackhole bh) throws InterruptedException {
        int index = thread.index;
        int mask = keys.length - 1;
        for (int i = 0; i < BATCH; i++) bh.consume(handle.applyBlocking(keys[index++ & mask]));
        thread.index = index;
    }
}

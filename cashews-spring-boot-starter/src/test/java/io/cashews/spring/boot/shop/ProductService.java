package io.cashews.spring.boot.shop;

import io.cashews.RateLimitError;
import io.cashews.spring.Cached;
import io.cashews.spring.CircuitBreaker;
import io.cashews.spring.Invalidate;
import io.cashews.spring.RateLimit;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The shop's loads, each counted, behind cashews annotations and Spring's own cache annotations. */
@Service
public class ProductService {
    /** Calls that reached each method body, by method. */
    public final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();

    /** Names given by {@link #rename}, read by the loads. */
    private final Map<Long, String> names = new ConcurrentHashMap<>();

    /** Loads of {@link #lockedProduct}, across every application context of the JVM. */
    public static final AtomicInteger LOCKED_LOADS = new AtomicInteger();

    /** Whether {@link #quote} fails. (Set through a method: a field written on the proxy never reaches the bean.) */
    private volatile boolean quotesDown;

    /** When set, {@link #lockedProduct} waits on it before loading: a load held open. */
    private volatile CountDownLatch lockedGate;

    public void quotesDown(boolean down) {
        quotesDown = down;
    }

    public void holdLockedLoads(CountDownLatch gate) {
        lockedGate = gate;
    }

    private int count(String method) {
        return loads.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
    }

    public int loads(String method) {
        AtomicInteger n = loads.get(method);
        return n == null ? 0 : n.get();
    }

    private Product load(long id) {
        return new Product(id, names.getOrDefault(id, "product " + id), List.of("new", "sale"), Instant.parse("2026-12-03T00:00:00Z"));
    }

    @Cached(ttl = "${shop.product-ttl:1h}", key = "product:{id}", tags = "products")
    public Product product(long id) {
        count("product");
        return load(id);
    }

    @Cached(ttl = "1h", key = "product-async:{id}")
    public CompletableFuture<Product> productAsync(long id) {
        count("productAsync");
        return CompletableFuture.supplyAsync(() -> load(id));
    }

    @Cached(ttl = "1h", key = "product-mono:{id}")
    public Mono<Product> productMono(long id) {
        return Mono.fromSupplier(() -> {
            count("productMono");
            return load(id);
        });
    }

    @Cached(ttl = "1h", key = "category:{category}")
    public Flux<Product> category(String category) {
        return Flux.defer(() -> {
            count("category");
            return Flux.just(load(1), load(2), load(3));
        });
    }

    @Cached(ttl = "1h", key = "missing:{id}")
    public Product missing(long id) {
        count("missing");
        return null;
    }

    @Cached(ttl = "1h", lock = true, key = "locked:{id}")
    public Product lockedProduct(long id) throws InterruptedException {
        CountDownLatch gate = lockedGate;
        if (gate != null) gate.await();
        LOCKED_LOADS.incrementAndGet();
        return load(id);
    }

    @Invalidate(keys = "product:{id}", tags = "category-tag")
    public void rename(long id, String name) {
        names.put(id, name);
    }

    @RateLimit(limit = 2, period = "1h", key = "search:{user}", action = "searchRefused")
    public String search(String user, String query) {
        count("search");
        return "results for " + query;
    }

    public String searchRefused(String user, String query, RateLimitError refused) {
        return "slow down, " + user;
    }

    @CircuitBreaker(errorsRate = 50, period = "1h", ttl = "1h", minCalls = 2, key = "quotes")
    public String quote(String symbol) {
        count("quote");
        if (quotesDown) throw new IllegalStateException("quotes are down");
        return symbol + ": 100";
    }

    @Cacheable("prices")
    public Long price(String sku) {
        count("price");
        return (long) sku.length() * 100;
    }

    @Cacheable(cacheNames = "prices", key = "'async:' + #sku", sync = true)
    public CompletableFuture<Long> priceAsync(String sku) {
        count("priceAsync");
        return CompletableFuture.supplyAsync(() -> (long) sku.length() * 100);
    }

    @Cacheable(cacheNames = "catalog", sync = true)
    public List<Product> catalog(String shelf) {
        count("catalog");
        return List.of(load(1), load(2));
    }

    @CachePut(cacheNames = "prices", key = "#sku")
    public Long reprice(String sku, long cents) {
        return cents;
    }

    @CacheEvict(cacheNames = "prices", allEntries = true)
    public void clearPrices() {}
}

package io.cashews.examples.spring;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Repository;

/** The slow source of truth the caches stand in front of: it counts its reads, so the effect shows. */
@Repository
public class ProductRepository {
    private final Map<Long, String> renamed = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private final long latencyMillis;

    public ProductRepository(@org.springframework.beans.factory.annotation.Value("${shop.latency-ms:200}") long latencyMillis) {
        this.latencyMillis = latencyMillis;
    }

    /** A product, after the repository's latency. */
    public Product find(long id) {
        reads.incrementAndGet();
        pause();
        return new Product(id, renamed.getOrDefault(id, "product " + id), BigDecimal.valueOf(id * 100, 2), Instant.now());
    }

    /** The products on a shelf, after the repository's latency. */
    public List<Product> shelf(String shelf) {
        reads.incrementAndGet();
        pause();
        long base = Math.abs(shelf.hashCode() % 100) * 10L;
        return List.of(find(base + 1), find(base + 2), find(base + 3));
    }

    public void rename(long id, String name) {
        renamed.put(id, name);
    }

    /** How many reads reached the repository. */
    public long reads() {
        return reads.get();
    }

    private void pause() {
        if (latencyMillis <= 0) return;
        try {
            Thread.sleep(latencyMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading", e);
        }
    }
}

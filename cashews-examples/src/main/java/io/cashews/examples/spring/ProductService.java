package io.cashews.examples.spring;

import io.cashews.RateLimitError;
import io.cashews.spring.Cached;
import io.cashews.spring.Early;
import io.cashews.spring.Invalidate;
import io.cashews.spring.RateLimit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** The catalogue's reads, each cached the way its data asks for. */
@Service
public class ProductService {
    private final ProductRepository repository;

    public ProductService(ProductRepository repository) {
        this.repository = repository;
    }

    /** One product: cached for 10 minutes, loaded once by one instance when several share Redis. */
    @Cached(ttl = "${shop.product-ttl:10m}", key = "product:{id}", tags = "products", lock = true)
    public Product product(long id) {
        return repository.find(id);
    }

    /** A shelf: served from the cache while a background call refreshes it after 4 minutes. */
    @Early(ttl = "5m", earlyTtl = "4m", key = "shelf:{shelf}", tags = "products")
    public CompletableFuture<List<Product>> shelf(String shelf) {
        return CompletableFuture.supplyAsync(() -> repository.shelf(shelf));
    }

    /** The featured products, through Spring's own cache abstraction on the cashews CacheManager. */
    @Cacheable(cacheNames = "featured", sync = true)
    public List<Product> featured(String region) {
        return List.of(repository.find(1), repository.find(2));
    }

    /** A search: at most 5 per minute and user; more are answered by {@link #searchRefused}. */
    @RateLimit(limit = 5, period = "1m", key = "search:{user}", action = "searchRefused")
    public List<Product> search(String user, String query) {
        return List.of(repository.find(Math.abs(query.hashCode() % 1000)));
    }

    public List<Product> searchRefused(String user, String query, RateLimitError refused) {
        return List.of();
    }

    /** Renames a product; its cached entry goes once the rename is done. */
    @Invalidate(keys = "product:{id}")
    public void rename(long id, String name) {
        repository.rename(id, name);
    }
}

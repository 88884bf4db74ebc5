package io.cashews.examples.spring;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The shop's HTTP API. Methods that block (plain results, which wait for Redis on a miss) run on Reactor's bounded
 * elastic scheduler: a WebFlux event loop must never wait.
 */
@RestController
public class ShopController {
    private final ProductService products;
    private final ProductRepository repository;

    public ShopController(ProductService products, ProductRepository repository) {
        this.products = products;
        this.repository = repository;
    }

    @GetMapping("/products/{id}")
    public Mono<Product> product(@PathVariable long id) {
        return blocking(() -> products.product(id));
    }

    @PostMapping("/products/{id}/name")
    public Mono<Void> rename(@PathVariable long id, @RequestParam String name) {
        return blocking(() -> {
            products.rename(id, name);
            return null;
        }).then();
    }

    @GetMapping("/shelves/{shelf}")
    public CompletableFuture<List<Product>> shelf(@PathVariable String shelf) {
        return products.shelf(shelf);
    }

    @GetMapping("/featured/{region}")
    public Mono<List<Product>> featured(@PathVariable String region) {
        return blocking(() -> products.featured(region));
    }

    @GetMapping("/search")
    public Mono<List<Product>> search(@RequestParam String user, @RequestParam String q) {
        return blocking(() -> products.search(user, q));
    }

    /** How many reads reached the repository: what the caches saved shows here. */
    @GetMapping("/repository/reads")
    public Map<String, Long> reads() {
        return Map.of("reads", repository.reads());
    }

    private static <T> Mono<T> blocking(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
    }
}

package io.cashews.spring.boot.shop;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The shop's HTTP API, each route one of the service's cached methods. Methods that block (plain results, which
 * wait for Redis on a miss) run on Reactor's bounded elastic scheduler, never on the server's event loop.
 */
@RestController
public class ShopController {
    private final ProductService products;

    public ShopController(ProductService products) {
        this.products = products;
    }

    @GetMapping("/products/{id}")
    public Mono<Product> product(@PathVariable long id) {
        return blocking(() -> products.product(id));
    }

    @GetMapping("/products/{id}/async")
    public CompletableFuture<Product> productAsync(@PathVariable long id) {
        return products.productAsync(id);
    }

    @GetMapping("/products/{id}/mono")
    public Mono<Product> productMono(@PathVariable long id) {
        return products.productMono(id);
    }

    @GetMapping("/categories/{category}")
    public Flux<Product> category(@PathVariable String category) {
        return products.category(category);
    }

    @PostMapping("/products/{id}/name")
    public Mono<Void> rename(@PathVariable long id, @RequestParam String name) {
        return blocking(() -> {
            products.rename(id, name);
            return null;
        }).then();
    }

    private static <T> Mono<T> blocking(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
    }

    @GetMapping("/search")
    public Mono<String> search(@RequestParam String user, @RequestParam String q) {
        return blocking(() -> products.search(user, q));
    }

    @GetMapping("/prices/{sku}")
    public Mono<Long> price(@PathVariable String sku) {
        return blocking(() -> products.price(sku));
    }

    @GetMapping("/prices/{sku}/async")
    public CompletableFuture<Long> priceAsync(@PathVariable String sku) {
        return products.priceAsync(sku);
    }

    @GetMapping("/catalog/{shelf}")
    public Mono<List<Product>> catalog(@PathVariable String shelf) {
        return blocking(() -> products.catalog(shelf));
    }
}

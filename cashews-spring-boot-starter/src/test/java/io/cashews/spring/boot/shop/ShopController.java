package io.cashews.spring.boot.shop;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The shop's HTTP API, each route one of the service's cached methods. */
@RestController
public class ShopController {
    private final ProductService products;

    public ShopController(ProductService products) {
        this.products = products;
    }

    @GetMapping("/products/{id}")
    public Product product(@PathVariable long id) {
        return products.product(id);
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
    public void rename(@PathVariable long id, @RequestParam String name) {
        products.rename(id, name);
    }

    @GetMapping("/search")
    public String search(@RequestParam String user, @RequestParam String q) {
        return products.search(user, q);
    }

    @GetMapping("/prices/{sku}")
    public Long price(@PathVariable String sku) {
        return products.price(sku);
    }

    @GetMapping("/prices/{sku}/async")
    public CompletableFuture<Long> priceAsync(@PathVariable String sku) {
        return products.priceAsync(sku);
    }

    @GetMapping("/catalog/{shelf}")
    public List<Product> catalog(@PathVariable String shelf) {
        return products.catalog(shelf);
    }
}

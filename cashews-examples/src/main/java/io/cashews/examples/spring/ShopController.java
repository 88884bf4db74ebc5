package io.cashews.examples.spring;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The shop's HTTP API. */
@RestController
public class ShopController {
    private final ProductService products;
    private final ProductRepository repository;

    public ShopController(ProductService products, ProductRepository repository) {
        this.products = products;
        this.repository = repository;
    }

    @GetMapping("/products/{id}")
    public Product product(@PathVariable long id) {
        return products.product(id);
    }

    @PostMapping("/products/{id}/name")
    public void rename(@PathVariable long id, @RequestParam String name) {
        products.rename(id, name);
    }

    @GetMapping("/shelves/{shelf}")
    public CompletableFuture<List<Product>> shelf(@PathVariable String shelf) {
        return products.shelf(shelf);
    }

    @GetMapping("/featured/{region}")
    public List<Product> featured(@PathVariable String region) {
        return products.featured(region);
    }

    @GetMapping("/search")
    public List<Product> search(@RequestParam String user, @RequestParam String q) {
        return products.search(user, q);
    }

    /** How many reads reached the repository: what the caches saved shows here. */
    @GetMapping("/repository/reads")
    public Map<String, Long> reads() {
        return Map.of("reads", repository.reads());
    }
}

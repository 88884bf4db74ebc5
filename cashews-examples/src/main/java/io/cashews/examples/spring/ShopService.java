package io.cashews.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * A Spring Boot shop on the cashews starter: a product catalogue behind a slow repository, cached with cashews'
 * annotations and with Spring's {@code @Cacheable} on the cashews {@code CacheManager}.
 *
 * <p>Runs on the in-memory backend by default; {@code --cashews.setup=redis://127.0.0.1:6379} puts it on Redis.
 * Try {@code curl 127.0.0.1:8080/products/1} twice, and {@code curl 127.0.0.1:8080/actuator/cashews}.
 */
@SpringBootApplication
@EnableCaching
public class ShopService {
    public static void main(String[] args) {
        SpringApplication.run(ShopService.class, args);
    }
}

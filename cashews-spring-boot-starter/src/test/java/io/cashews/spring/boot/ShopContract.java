package io.cashews.spring.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.CircuitBreakerOpen;
import io.cashews.spring.boot.shop.Product;
import io.cashews.spring.boot.shop.ProductService;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.CacheManager;

/**
 * What the shop application must do on any backend, called over real HTTP: the cashews annotations on plain,
 * future, Mono and Flux methods, invalidation, guards, Spring's own cache annotations over the cashews CacheManager,
 * and the Actuator parts.
 */
abstract class ShopContract {
    /** Distinct ids per test: the application context, and its cache, outlive a test. */
    private static final AtomicInteger IDS = new AtomicInteger(1000);

    @LocalServerPort
    int port;

    @Autowired
    ProductService products;

    @Autowired
    CacheManager cacheManager;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    static long id() {
        return IDS.incrementAndGet();
    }

    @Test
    void aCachedMethodLoadsOnceAndAnswersTheSameJsonAfter() {
        long id = id();
        int before = products.loads("product");
        String first = http.get("/products/" + id);
        String second = http.get("/products/" + id);
        assertEquals(first, second);
        assertTrue(first.contains("\"name\":\"product " + id + "\""), first);
        assertEquals(before + 1, products.loads("product"));
    }

    @Test
    void futureMonoAndFluxResultsAreCachedLikePlainOnes() {
        long id = id();
        int async = products.loads("productAsync");
        int mono = products.loads("productMono");
        int category = products.loads("category");
        assertEquals(http.get("/products/" + id + "/async"), http.get("/products/" + id + "/async"));
        assertEquals(http.get("/products/" + id + "/mono"), http.get("/products/" + id + "/mono"));
        String shelf = "shelf-" + id;
        String firstList = http.get("/categories/" + shelf);
        assertEquals(firstList, http.get("/categories/" + shelf));
        assertTrue(firstList.contains("product 3"), firstList);
        assertEquals(async + 1, products.loads("productAsync"));
        assertEquals(mono + 1, products.loads("productMono"));
        assertEquals(category + 1, products.loads("category"));
    }

    @Test
    void aNullResultIsCachedToo() {
        long id = id();
        int before = products.loads("missing");
        assertNull(products.missing(id));
        assertNull(products.missing(id));
        assertEquals(before + 1, products.loads("missing"));
    }

    @Test
    void invalidateDeletesTheKeyOnceTheMethodReturned() {
        long id = id();
        int before = products.loads("product");
        http.get("/products/" + id);
        assertEquals(200, http.send("POST", "/products/" + id + "/name?name=renamed").statusCode());
        String after = http.get("/products/" + id);
        assertTrue(after.contains("\"name\":\"renamed\""), after);
        assertEquals(before + 2, products.loads("product"));
    }

    @Test
    void aRateLimitAnswersRefusedCallsWithItsAction() {
        String user = "user" + id();
        assertEquals("results for a", http.get("/search?user=" + user + "&q=a"));
        assertEquals("results for b", http.get("/search?user=" + user + "&q=b"));
        assertEquals("slow down, " + user, http.get("/search?user=" + user + "&q=c"));
    }

    @Test
    void anOpenCircuitBreakerFailsCallsWithoutRunningThem() {
        products.quotesDown(true);
        try {
            int before = products.loads("quote");
            assertThrows(IllegalStateException.class, () -> products.quote("A"));
            assertThrows(IllegalStateException.class, () -> products.quote("A"));
            assertThrows(CircuitBreakerOpen.class, () -> products.quote("A"));
            assertEquals(before + 2, products.loads("quote"));
        } finally {
            products.quotesDown(false);
        }
    }

    @Test
    void springsCacheableCachePutAndCacheEvictRunOnTheCashewsCacheManager() {
        String sku = "sku" + id();
        int before = products.loads("price");
        assertEquals(String.valueOf(sku.length() * 100L), http.get("/prices/" + sku));
        assertEquals(String.valueOf(sku.length() * 100L), http.get("/prices/" + sku));
        assertEquals(before + 1, products.loads("price"));
        products.reprice(sku, 42);
        assertEquals("42", http.get("/prices/" + sku));
        products.clearPrices();
        assertEquals(String.valueOf(sku.length() * 100L), http.get("/prices/" + sku));
        assertEquals(before + 2, products.loads("price"));
    }

    @Test
    void syncCacheableFuturesTakeTheRetrievePath() {
        String sku = "async" + id();
        int before = products.loads("priceAsync");
        assertEquals(http.get("/prices/" + sku + "/async"), http.get("/prices/" + sku + "/async"));
        assertEquals(before + 1, products.loads("priceAsync"));
    }

    @Test
    void aCachedListOfRecordsComesBackAsRecords() {
        String shelf = "shelf" + id();
        int before = products.loads("catalog");
        List<Product> first = products.catalog(shelf);
        List<Product> second = products.catalog(shelf);
        assertEquals(first, second);
        assertEquals(Instant.parse("2026-12-03T00:00:00Z"), second.get(0).updated());
        assertEquals(before + 1, products.loads("catalog"));
        Object stored = cacheManager.getCache("catalog").get(shelf).get();
        assertEquals(first, stored);
        cacheManager.getCache("catalog").put("put-" + shelf, second.get(0));
        assertEquals(second.get(0), cacheManager.getCache("catalog").get("put-" + shelf).get());
    }

    @Test
    void theActuatorReportsHealthStatsAndDeletesByTag() {
        assertTrue(http.get("/actuator/health").contains("\"cashews\":{\"status\":\"UP\""), http.get("/actuator/health"));
        long id = id();
        int before = products.loads("product");
        http.get("/products/" + id);
        String stats = http.get("/actuator/cashews");
        if (stats.contains("\"recordStats\":true")) {
            assertTrue(stats.contains("\"cached\":{\"strategy\":\"cached\""), stats);
        } else {
            assertTrue(stats.contains("\"strategies\":{}"), stats);
        }
        assertEquals(200, http.send("DELETE", "/actuator/cashews/products").statusCode());
        http.get("/products/" + id);
        assertEquals(before + 2, products.loads("product"));
        assertNotEquals(-1, http.get("/actuator/metrics/cache.gets").indexOf("cache.gets"));
    }
}

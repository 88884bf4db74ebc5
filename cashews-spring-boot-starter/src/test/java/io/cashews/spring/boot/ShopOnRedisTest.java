package io.cashews.spring.boot;

import io.cashews.spring.boot.shop.ShopApplication;
import io.cashews.test.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The shop on a real redis-server: values cross the network as JSON through the Jackson codec. */
@SpringBootTest(
    classes = ShopApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "management.endpoints.web.exposure.include=health,cashews,metrics",
        "management.endpoint.health.show-details=always",
        "cashews.secret=test-secret",
        "cashews.record-stats=true"
    })
class ShopOnRedisTest extends ShopContract {
    private static final RedisProcess REDIS = RedisProcess.start();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("cashews.setup", REDIS::getUrl);
    }

    @AfterAll
    static void stop() {
        REDIS.close();
    }
}

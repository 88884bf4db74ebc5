package io.cashews.spring.boot;

import io.cashews.spring.boot.shop.ShopApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** The shop on the default in-memory backend. */
@SpringBootTest(
    classes = ShopApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"management.endpoints.web.exposure.include=health,cashews,metrics", "management.endpoint.health.show-details=always"})
class ShopOnMemoryTest extends ShopContract {}

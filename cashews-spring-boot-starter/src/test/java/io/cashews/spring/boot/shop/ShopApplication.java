package io.cashews.spring.boot.shop;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/** A small shop service: cashews annotations and Spring's cache annotations behind a WebFlux API. */
@SpringBootApplication
@EnableCaching
public class ShopApplication {}

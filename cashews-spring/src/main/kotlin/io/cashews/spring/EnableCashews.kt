package io.cashews.spring

import org.springframework.context.annotation.Import

/**
 * Runs the cashews annotations ([Cached], [Early], [RateLimit], [Invalidate], …) on the beans of a plain Spring
 * application; the Spring Boot starter does this by itself. The application needs one [io.cashews.JavaCache] bean.
 *
 * ```java
 * @Configuration @EnableCashews
 * class CacheConfig {
 *     @Bean JavaCache cache() { return JavaCache.of(new Cache("mem://")); }
 * }
 * ```
 */
@Target(AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
@Import(CashewsAnnotationsRegistrar::class)
public annotation class EnableCashews

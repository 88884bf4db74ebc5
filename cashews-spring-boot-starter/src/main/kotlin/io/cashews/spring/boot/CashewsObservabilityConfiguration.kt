package io.cashews.spring.boot

import io.cashews.Cache
import io.cashews.JavaCache
import io.cashews.micrometer.CacheMetrics
import org.springframework.boot.autoconfigure.AutoConfiguration
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration

/**
 * What the starter adds when observability libraries are present: the cache's Micrometer meters (`cashews-micrometer`
 * and a registry), a health indicator that pings the backends, and the `cashews` Actuator endpoint.
 */
@AutoConfiguration(after = [CashewsAutoConfiguration::class])
@ConditionalOnBean(Cache::class)
public class CashewsObservabilityConfiguration {
    /** The cache's meters, bound by Spring Boot to every registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = ["io.micrometer.core.instrument.MeterRegistry", "io.cashews.micrometer.CacheMetrics"])
    @ConditionalOnProperty(prefix = "cashews.metrics", name = ["enabled"], matchIfMissing = true)
    public class Metrics {
        /** The meters of `cashews-micrometer`, tagged `cache=<cashews.metrics.name>`. */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        public fun cashewsMetrics(cache: Cache, properties: CashewsProperties): CacheMetrics =
            CacheMetrics(
                cache,
                properties.metrics.name,
                emptyList(),
                properties.metrics.timeCommands,
                properties.metrics.timeOneIn,
            )
    }

    /** The health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = ["org.springframework.boot.health.contributor.HealthIndicator"])
    public class Health {
        /** `cashews` in `/actuator/health`: up while every backend answers a ping. */
        @Bean
        @ConditionalOnMissingBean(name = ["cashewsHealthIndicator"])
        public fun cashewsHealthIndicator(cache: JavaCache): CashewsHealthIndicator = CashewsHealthIndicator(cache)
    }

    /** The Actuator endpoint. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = ["org.springframework.boot.actuate.endpoint.annotation.Endpoint"])
    public class Endpoint {
        /** `/actuator/cashews`: statistics, and deleting by tag. */
        @Bean
        @ConditionalOnMissingBean
        public fun cashewsEndpoint(cache: JavaCache): CashewsEndpoint = CashewsEndpoint(cache)
    }
}

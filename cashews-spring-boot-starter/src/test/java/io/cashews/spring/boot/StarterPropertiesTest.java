package io.cashews.spring.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.micrometer.CacheMetrics;
import io.cashews.spring.CashewsCacheManager;
import io.cashews.spring.CashewsCacheSettings;
import io.cashews.spring.boot.bad.BadConfigurationApplication;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/** What the cashews.* properties configure, each read back from the running application. */
class StarterPropertiesTest {
    private static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(BadConfigurationApplication.class)
            .web(WebApplicationType.NONE)
            .properties(properties)
            .properties("spring.main.banner-mode=off")
            .run();
    }

    @Test
    void perCacheSettingsDefaultsAndBackendsByPrefix() {
        try (ConfigurableApplicationContext context = start(
            "cashews.setup=mem://?size=100",
            "cashews.backends[0].prefix=prices:",
            "cashews.backends[0].url=mem://?disable=true",
            "cashews.cache-manager.default-ttl=5m",
            "cashews.cache-manager.dynamic=false",
            "cashews.caches.prices.ttl=30s",
            "cashews.caches.prices.tags=price:{key}",
            "cashews.caches.prices.allow-null-values=false")) {
            CashewsCacheManager manager = (CashewsCacheManager) context.getBean(CacheManager.class);
            CashewsCacheSettings prices = manager.settingsOf("prices");
            assertEquals(Duration.ofSeconds(30), prices.getTtl());
            assertEquals(List.of("price:{key}"), prices.getTags());
            assertEquals(false, prices.getAllowNullValues());
            assertNull(manager.getCache("orders"), "not dynamic: unknown caches are not made");
            // prices: goes to its own (here disabled) backend, everything else to cashews.setup
            JavaCache cache = context.getBean(JavaCache.class);
            cache.set("orders:1", "kept").join();
            assertEquals("kept", cache.get("orders:1", String.class).join());
            manager.getCache("prices").put("a", 1L);
            assertNull(manager.getCache("prices").get("a"));
        }
    }

    @Test
    void commandTimersCanBeSampled() {
        try (ConfigurableApplicationContext context = start(
            "cashews.metrics.time-commands=true", "cashews.metrics.time-one-in=16")) {
            assertEquals(16, context.getBean(CacheMetrics.class).getTimeOneIn());
        }
        BeanCreationException refused = assertThrows(BeanCreationException.class,
            () -> start("cashews.metrics.time-commands=true", "cashews.metrics.time-one-in=0").close());
        assertTrue(rootCause(refused).getMessage().contains("timeOneIn must be at least 1"), refused::getMessage);
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) cause = cause.getCause();
        return cause;
    }

    @Test
    void theStarterStepsAsideWhenDisabledOrWhenTheApplicationHasItsOwnBeans() {
        try (ConfigurableApplicationContext context = start("cashews.enabled=false")) {
            assertTrue(context.getBeansOfType(Cache.class).isEmpty());
        }
        try (ConfigurableApplicationContext context = start("cashews.cache-manager.enabled=false")) {
            assertTrue(context.getBeansOfType(CashewsCacheManager.class).isEmpty());
            assertEquals(1, context.getBeansOfType(JavaCache.class).size());
        }
    }
}

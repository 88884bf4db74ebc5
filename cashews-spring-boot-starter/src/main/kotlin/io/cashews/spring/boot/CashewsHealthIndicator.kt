package io.cashews.spring.boot

import io.cashews.JavaCache
import org.springframework.boot.health.contributor.AbstractHealthIndicator
import org.springframework.boot.health.contributor.Health
import java.util.concurrent.TimeUnit

/**
 * Reports the cache up while its backends answer a ping within [timeoutMillis], down otherwise (with the error's
 * class, never its message, which may hold a URL with credentials).
 */
public class CashewsHealthIndicator
    @JvmOverloads
    constructor(
        private val cache: JavaCache,
        private val timeoutMillis: Long = 2_000,
    ) : AbstractHealthIndicator("cashews health check failed") {
        override fun doHealthCheck(builder: Health.Builder) {
            val answered =
                try {
                    cache.ping().get(timeoutMillis, TimeUnit.MILLISECONDS)
                } catch (e: java.util.concurrent.TimeoutException) {
                    builder.down().withDetail("error", "no answer within $timeoutMillis ms")
                    return
                } catch (e: java.util.concurrent.ExecutionException) {
                    builder.down().withDetail("error", (e.cause ?: e).javaClass.name)
                    return
                }
            if (answered) builder.up() else builder.down().withDetail("error", "a backend did not answer the ping")
        }
    }

package io.cashews.spring.boot

import io.cashews.JavaCache
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation
import org.springframework.boot.actuate.endpoint.annotation.Endpoint
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation
import org.springframework.boot.actuate.endpoint.annotation.Selector

/**
 * The `cashews` Actuator endpoint: `GET /actuator/cashews` answers the statistics of each strategy, and
 * `DELETE /actuator/cashews/{tag}` deletes every entry labelled with the tag. Expose it as any endpoint
 * (`management.endpoints.web.exposure.include=cashews`).
 */
@Endpoint(id = "cashews")
public class CashewsEndpoint(
    private val cache: JavaCache,
) {
    /**
     * Whether statistics are recorded (`cashews.record-stats`), and the hits, misses, loads and the rest of each
     * strategy since then.
     */
    @ReadOperation
    public fun stats(): Map<String, Any> =
        mapOf("recordStats" to cache.cache.recordStats, "strategies" to cache.stats().join())

    /** Deletes every entry labelled [tag]; answers the tag. */
    @DeleteOperation
    public fun deleteTag(
        @Selector tag: String,
    ): Map<String, String> {
        cache.deleteTags(listOf(tag)).join()
        return mapOf("deleted" to tag)
    }
}

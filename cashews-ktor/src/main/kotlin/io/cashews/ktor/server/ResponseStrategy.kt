package io.cashews.ktor.server

import io.cashews.Ttl
import kotlin.time.Duration

/**
 * How a cached route treats a stored response as it ages: the core's strategies, for whole responses. A response is
 * kept for the route's `ttl` in every case; the strategy decides how long it is served as fresh and what happens
 * after. A request's `no-cache` or `max-age=0` recomputes under every strategy.
 *
 * The handler only runs inside a request, so the strategies that refresh do it in the request that finds the
 * response stale, never in the background.
 */
public sealed class ResponseStrategy {
    /** Fresh until the TTL ends; then the next request recomputes it (the core's `cached`). */
    public data object Cached : ResponseStrategy()

    /**
     * Fresh for [earlyTtl]. After it, one request recomputes the response while every other request is answered the
     * stored one at once (the core's `early`: stale-while-revalidate). Responses say
     * `stale-while-revalidate=<ttl - earlyTtl>`.
     */
    public data class Early(
        val earlyTtl: Duration,
    ) : ResponseStrategy() {
        init {
            Ttl.requirePositive(earlyTtl)
        }
    }

    /**
     * Fresh for [softTtl]. After it, requests recompute the response; when the handler fails (throws, or answers
     * with a server error, 5xx), the stored response is sent instead until the TTL ends (the core's `soft`:
     * stale-if-error). Responses say `stale-if-error=<ttl - softTtl>`.
     */
    public data class Soft(
        val softTtl: Duration,
    ) : ResponseStrategy() {
        init {
            Ttl.requirePositive(softTtl)
        }
    }

    /**
     * The handler runs for every request and its good responses are stored; when it fails, the last good response
     * is sent instead (the core's `failover`). Responses say `stale-if-error=<ttl>`.
     */
    public data object Failover : ResponseStrategy()

    /** Served from the cache [hits] times, then recomputed (the core's `hit`). */
    public data class Hit(
        val hits: Long,
    ) : ResponseStrategy() {
        init {
            require(hits > 0) { "hits must be positive, was $hits" }
        }
    }
}

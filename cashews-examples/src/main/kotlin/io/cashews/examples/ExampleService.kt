package io.cashews.examples

import io.cashews.Cache
import io.cashews.CircuitBreakerOpen
import io.cashews.cached
import io.cashews.circuitBreaker
import io.cashews.detect
import io.cashews.early
import io.cashews.failover
import io.cashews.ktor.server.Cashews
import io.cashews.ktor.server.cached
import io.cashews.rateLimit
import io.cashews.soft
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.install
import io.ktor.server.plugins.origin
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.routing
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * The example service: one endpoint per strategy over [upstream], each answering what it served and telling, in an
 * `X-Cache` header, whether the value came from the cache (`hit`, with the strategy) or not (`miss`).
 */
public fun Application.exampleService(cache: Cache, upstream: FakeUpstream) {
    install(Cashews) { this.cache = cache }
    routing {
        // cached: the first call waits for the upstream, the next ones do not; tags invalidate a group.
        get("/users/{id}") {
            val id = call.parameters["id"]!!
            call.answer {
                cache.cached(
                    ttl = 1.minutes,
                    key = "user:$id",
                    tags = listOf("users"),
                ) { upstream.fetch("user $id") }
            }
        }
        post("/users/invalidate") {
            cache.deleteTags("users")
            call.respondText("users invalidated")
        }
        // early: refreshed in the background before it expires, so no caller waits once it is warm.
        get("/rates") {
            call.answer {
                cache.early(
                    ttl = 1.minutes,
                    key = "rates",
                    earlyTtl = 1.seconds,
                ) { upstream.fetch("rates") }
            }
        }
        // soft: while the upstream fails, the last value is served for up to the TTL.
        get("/weather") {
            call.answer {
                cache.soft(
                    ttl = 10.minutes,
                    key = "weather",
                    softTtl = 1.seconds,
                ) { upstream.fetch("weather") }
            }
        }
        // failover: always asks the upstream, and answers with the last good value when it fails.
        get("/stock") { call.answer { cache.failover(ttl = 10.minutes, key = "stock") { upstream.fetch("stock") } } }
        // rateLimit: 5 calls a minute per client, then 429.
        get("/search") {
            val client = call.request.origin.remoteHost
            val admitted =
                cache.rateLimit(
                    limit = 5,
                    period = 1.minutes,
                    key = "search:$client",
                    action = { false },
                ) { true }
            if (admitted) {
                call.respondText(
                    "results",
                )
            } else {
                call.respondText("slow down", status = HttpStatusCode.TooManyRequests)
            }
        }
        // circuitBreaker: after failures, calls are refused at once instead of waiting on a dead upstream.
        get("/flaky") {
            try {
                val quote =
                    cache.circuitBreaker(
                        errorsRate = 50.0,
                        period = 1.minutes,
                        ttl = 30.seconds,
                        key = "flaky",
                        minCalls = 2,
                    ) {
                        upstream.fetch("flaky")
                    }
                call.respondText(quote.toString())
            } catch (e: CircuitBreakerOpen) {
                call.respondText("breaker open", status = HttpStatusCode.ServiceUnavailable)
            } catch (e: UpstreamDown) {
                call.respondText("upstream down", status = HttpStatusCode.BadGateway)
            }
        }
        // The Ktor plugin: the whole response cached, with ETag and 304.
        cached("1m") { get("/page") { call.respondText("<h1>${upstream.fetch("page")}</h1>", ContentType.Text.Html) } }
        post("/upstream/failing/{on}") {
            upstream.failing = call.parameters["on"] == "true"
            call.respondText("upstream failing: ${upstream.failing}")
        }
    }
}

/**
 * Answers what [load] returned, with `X-Cache: hit <strategy>` (`, stale` when a stale value was served: soft or
 * failover after a failed upstream call, early while it refreshes in the background) or `miss`, or 502 when the
 * upstream failed.
 */
private suspend fun ApplicationCall.answer(load: suspend () -> Quote) {
    try {
        val (quote, hits) = detect { load() }
        val hit = hits.firstOrNull()
        response.header(
            "X-Cache",
            if (hit ==
                null
            ) {
                "miss"
            } else {
                "hit ${hit.strategy}" + if (hit.stale) ", stale" else ""
            },
        )
        respondText(quote.toString())
    } catch (e: UpstreamDown) {
        response.header(HttpHeaders.RetryAfter, "1")
        respondText("upstream down", status = HttpStatusCode.BadGateway)
    }
}

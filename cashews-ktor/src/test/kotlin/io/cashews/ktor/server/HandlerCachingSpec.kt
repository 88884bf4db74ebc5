package io.cashews.ktor.server

import io.cashews.Cache
import io.cashews.KeyTtl
import io.cashews.cached
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import kotlinx.coroutines.runBlocking
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

private val client: HttpClient = HttpClient.newHttpClient()

private fun get(port: Int, path: String, vararg headers: Pair<String, String>): HttpResponse<String> {
    val request = HttpRequest.newBuilder(URI("http://127.0.0.1:$port$path")).timeout(java.time.Duration.ofSeconds(30))
    for ((name, value) in headers) request.header(name, value)
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString())
}

/** cashews' request-control and ETag middlewares: a request's headers govern the cached calls its handler makes. */
class HandlerCachingSpec : FunSpec({
    test(
        "a trusted request's no-cache reloads the handler's cached calls, no-store keeps nothing, max-age is the TTL",
    ) {
        val cache = Cache("mem://")
        val loads = AtomicInteger()
        withLoopbackServer({
            install(Cashews) {
                this.cache = cache
                handlerCacheControl = true
                trustRequestDirectives = { it.request.headers["X-Internal"] == "yes" }
            }
            routing {
                get("/rates") {
                    call.respondText(
                        cache.cached(cacheControlTtl(10.minutes), "rates") { "rates ${loads.incrementAndGet()}" },
                    )
                }
            }
        }) { port ->
            val trusted = "X-Internal" to "yes"
            get(port, "/rates").body() shouldBe "rates 1"
            get(port, "/rates").body() shouldBe "rates 1"
            // Untrusted: served as if it sent nothing.
            get(port, "/rates", "Cache-Control" to "no-cache").body() shouldBe "rates 1"
            // no-cache: the handler's read is skipped; the fresh value is stored for everyone.
            get(port, "/rates", "Cache-Control" to "no-cache", trusted).body() shouldBe "rates 2"
            get(port, "/rates").body() shouldBe "rates 2"
            get(port, "/rates", "Cache-Control" to "max-age=0", trusted).body() shouldBe "rates 3"
            // no-store: a value loaded now is not kept.
            runBlocking { cache.delete("rates") }
            get(port, "/rates", "Cache-Control" to "no-store", trusted).body() shouldBe "rates 4"
            runBlocking { cache.exists("rates") } shouldBe false
            // max-age=N: what cacheControlTtl answers, so the value is kept for N seconds.
            get(port, "/rates", "Cache-Control" to "max-age=30", trusted).body() shouldBe "rates 5"
            val left = runBlocking { cache.ttl("rates") } as KeyTtl.Expiring
            (left.remaining <= 30.seconds && left.remaining > 20.seconds) shouldBe true
            get(port, "/rates", "Cache-Control" to "max-age=30").body() shouldBe "rates 5"
        }
        runBlocking { cacheControlTtl(10.minutes) } shouldBe 10.minutes
    }

    test("off by default: a request's Cache-Control leaves the handler's cached calls alone") {
        val cache = Cache("mem://")
        val loads = AtomicInteger()
        withLoopbackServer({
            install(Cashews) { this.cache = cache }
            routing {
                get("/rates") {
                    call.respondText(
                        cache.cached(cacheControlTtl(1.hours), "rates") { "rates ${loads.incrementAndGet()}" },
                    )
                }
            }
        }) { port ->
            get(port, "/rates").body() shouldBe "rates 1"
            get(port, "/rates", "Cache-Control" to "no-cache").body() shouldBe "rates 1"
            get(port, "/rates", "Cache-Control" to "no-store").body() shouldBe "rates 1"
            val left = (runBlocking { cache.ttl("rates") } as KeyTtl.Expiring).remaining
            (left > 59.minutes) shouldBe true
        }
    }

    test("a response whose handler served from a cache gets an ETag, and a matching If-None-Match a 304") {
        val cache = Cache("mem://")
        val loads = AtomicInteger()
        withLoopbackServer({
            install(Cashews) {
                this.cache = cache
                etagOnCacheHits = true
            }
            routing {
                get("/page") { call.respondText(cache.cached(1.hours, "page") { "page ${loads.incrementAndGet()}" }) }
                get("/fresh") { call.respondText("fresh ${loads.incrementAndGet()}") }
            }
        }) { port ->
            // Computed, not served from a cache: no validator.
            get(port, "/page").headers().firstValue("ETag").isPresent shouldBe false
            val hit = get(port, "/page")
            hit.body() shouldBe "page 1"
            val etag = hit.headers().firstValue("ETag").orElseThrow()
            val revalidated = get(port, "/page", "If-None-Match" to etag)
            revalidated.statusCode() shouldBe 304
            revalidated.body() shouldBe ""
            get(port, "/page", "If-None-Match" to "\"other\"").body() shouldBe "page 1"
            get(port, "/fresh").headers().firstValue("ETag").isPresent shouldBe false
            runBlocking { cache.delete("page") }
            get(port, "/page").body() shouldBe "page 3"
            get(port, "/page", "If-None-Match" to etag).statusCode() shouldBe 200
        }
    }
})

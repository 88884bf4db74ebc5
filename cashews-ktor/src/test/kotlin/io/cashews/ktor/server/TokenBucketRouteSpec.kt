package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes

class TokenBucketRouteSpec : FunSpec({
    test("a token bucket route answers 429 with Retry-After once a client's burst is spent, per client key") {
        val calls = AtomicInteger()
        withLoopbackServer({
            install(Cashews) { cache = Cache("mem://") }
            routing {
                tokenBucket(
                    rate = 1,
                    period = 1.minutes,
                    burst = 2,
                    key = { it.request.headers["X-Api-Key"] ?: "anon" },
                ) {
                    get("/search") { call.respondText("result ${calls.incrementAndGet()}") }
                }
                get("/free") { call.respondText("free") }
            }
        }) { port ->
            val client = HttpClient.newHttpClient()

            fun get(path: String, key: String): HttpResponse<String> =
                client.send(
                    HttpRequest.newBuilder(URI("http://127.0.0.1:$port$path")).header("X-Api-Key", key).build(),
                    HttpResponse.BodyHandlers.ofString(),
                )
            get("/search", "a").statusCode() shouldBe 200
            get("/search", "a").statusCode() shouldBe 200
            val refused = get("/search", "a")
            refused.statusCode() shouldBe 429
            // One token a minute: the next is due in at most 60 s, rounded up to whole seconds.
            val retryAfter =
                refused
                    .headers()
                    .firstValue("Retry-After")
                    .orElseThrow()
                    .toInt()
            (retryAfter in 1..60) shouldBe true
            calls.get() shouldBe 2 // the refused request never reached the handler
            get("/search", "b").statusCode() shouldBe 200
            get("/free", "a").body() shouldBe "free"
        }
    }

    test("bad token bucket settings fail when the route is built, naming the value") {
        shouldThrow<IllegalArgumentException> {
            withLoopbackServer({
                install(Cashews) { cache = Cache("mem://") }
                routing { tokenBucket(rate = 0, period = 1.minutes) { get("/x") { call.respondText("x") } } }
            }) { }
        }.message shouldContain "was 0"
        shouldThrow<io.cashews.InvalidTtlError> {
            withLoopbackServer({
                install(Cashews) { cache = Cache("mem://") }
                routing { tokenBucket(rate = 1, period = Duration.ZERO) { get("/x") { call.respondText("x") } } }
            }) { }
        }
    }
})

package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldMatch
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.atomic.AtomicInteger

class RealServerSpec : FunSpec({
    test("a CIO server on 127.0.0.1 and a random port, hit by the JDK HTTP client: cached, then 304 on revalidation") {
        val calls = AtomicInteger()
        withLoopbackServer({
            install(Cashews) { cache = Cache("mem://") }
            routing {
                cached("5m") {
                    get(
                        "/page",
                    ) {
                        call.respondText(
                            "<p>page ${calls.incrementAndGet()}</p>",
                            io.ktor.http.ContentType.Text.Html,
                        )
                    }
                }
            }
        }) { port ->
            val client = HttpClient.newHttpClient()
            val page = URI("http://127.0.0.1:$port/page")

            val first = client.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString())
            first.statusCode() shouldBe 200
            first.body() shouldBe "<p>page 1</p>"
            val etag = first.headers().firstValue("ETag").orElseThrow()

            val second = client.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString())
            second.body() shouldBe "<p>page 1</p>"
            // The whole freshness lifetime, however much time passed: the client subtracts the Age.
            second.headers().firstValue("Cache-Control").orElseThrow() shouldBe "private, max-age=300"

            val revalidated =
                client.send(
                    HttpRequest.newBuilder(page).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofString(),
                )
            revalidated.statusCode() shouldBe 304
            revalidated.body() shouldBe ""
            calls.get() shouldBe 1
        }
    }
})

package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.request.head
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.call
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.ApplicationTestBuilder
import io.ktor.server.testing.testApplication
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/** RFC 9111 as the plugin applies it: what is shareable, how freshness is sent, whose directives count. */
class HttpSemanticsSpec : FunSpec({
    val calls = AtomicInteger()
    var gate: CompletableDeferred<Unit>? = null

    // Requests of /slow that reached its cached route, each then a few instructions, on its own thread and without
    // suspending, from waiting on the leading run.
    val arrived = AtomicInteger()

    fun semanticsTest(body: suspend ApplicationTestBuilder.() -> Unit) {
        calls.set(0)
        arrived.set(0)
        gate = null
        testApplication {
            install(Cashews) {
                cache = Cache("mem://")
                clock = { 1_000_000L }
            }
            routing {
                cached("10m") { get("/private") { call.respondText("call ${calls.incrementAndGet()}") } }
                cached({
                    ttl("10m")
                    public = true
                    vary += HttpHeaders.AcceptLanguage
                }) { get("/shared") { call.respondText("call ${calls.incrementAndGet()}") } }
                cached({
                    ttl("10m")
                    public = true
                    publicWithCredentials = true
                }) { get("/catalog") { call.respondText("call ${calls.incrementAndGet()}") } }
                cached({
                    ttl("10m")
                    trustRequestDirectives = { call -> call.request.headers["X-Internal"] == "yes" }
                }) { get("/guarded") { call.respondText("call ${calls.incrementAndGet()}") } }
                cached({
                    ttl("10m")
                    methods = setOf(HttpMethod.Get)
                }) { get("/get-only") { call.respondText("call ${calls.incrementAndGet()}") } }
                cached({
                    ttl("10m")
                    // Counted as the route reads the request's directives: from there to the shared recomputation
                    // nothing suspends or leaves the thread.
                    trustRequestDirectives = {
                        arrived.incrementAndGet()
                        true
                    }
                }) {
                    get("/slow") {
                        val n = calls.incrementAndGet()
                        gate?.await()
                        call.respondText("call $n")
                    }
                }
            }
            startApplication()
            body()
        }
    }

    test("responses are private by default, and never public for a request with Authorization or Cookie") {
        semanticsTest {
            client.get("/private").headers[HttpHeaders.CacheControl] shouldBe "private, max-age=600"
            val shared = client.get("/shared")
            shared.headers[HttpHeaders.CacheControl] shouldBe "public, max-age=600"
            shared.headers[HttpHeaders.Vary] shouldBe HttpHeaders.AcceptLanguage
            client
                .get(
                    "/shared",
                ) { header(HttpHeaders.Authorization, "Bearer a") }
                .headers[HttpHeaders.CacheControl] shouldBe
                "private, max-age=600"
            client.get("/shared") { header(HttpHeaders.Cookie, "session=a") }.headers[HttpHeaders.CacheControl] shouldBe
                "private, max-age=600"
            client
                .get(
                    "/catalog",
                ) { header(HttpHeaders.Authorization, "Bearer a") }
                .headers[HttpHeaders.CacheControl] shouldBe
                "public, max-age=600"
        }
    }

    test("concurrent no-cache requests of one key run the handler once between them") {
        semanticsTest {
            client.get("/slow").bodyAsText() shouldBe "call 1"
            gate = CompletableDeferred()
            coroutineScope {
                val forcing =
                    (1..20).map {
                        async {
                            client.get(
                                "/slow",
                            ) { header(HttpHeaders.CacheControl, "no-cache") }
                        }
                    }
                // Every forcing request has reached the server (1 before them + 20), and one runs the handler.
                withTimeout(10.seconds) { while (arrived.get() < 21 || calls.get() < 2) yield() }
                gate!!.complete(Unit)
                forcing.awaitAll().map { it.bodyAsText() }.toSet() shouldBe setOf("call 2")
            }
            calls.get() shouldBe 2
            client.get("/slow").bodyAsText() shouldBe "call 2"
        }
    }

    test("only trusted requests' directives count: others are served as if they sent none") {
        semanticsTest {
            client.get("/guarded").bodyAsText() shouldBe "call 1"
            client.get("/guarded") { header(HttpHeaders.CacheControl, "no-cache") }.bodyAsText() shouldBe "call 1"
            client.get("/guarded") { header(HttpHeaders.CacheControl, "no-store") }.bodyAsText() shouldBe "call 1"
            val trusted =
                client.get("/guarded") {
                    header(HttpHeaders.CacheControl, "no-cache")
                    header("X-Internal", "yes")
                }
            trusted.bodyAsText() shouldBe "call 2"
        }
    }

    test("HEAD is answered from the GET entry, with its headers and no body; the methods option can turn it off") {
        semanticsTest {
            val get = client.get("/private")
            val head = client.head("/private")
            head.status shouldBe HttpStatusCode.OK
            head.headers[HttpHeaders.ETag] shouldBe get.headers[HttpHeaders.ETag]
            head.bodyAsText() shouldBe ""
            calls.get() shouldBe 1
            // Nothing stored yet: a HEAD runs the handler and stores nothing.
            client.head("/shared").status shouldBe HttpStatusCode.OK
            client.get("/shared").bodyAsText() shouldBe "call 3"
            // GET only: a HEAD is routed to the handler every time.
            client.get("/get-only").bodyAsText() shouldBe "call 4"
            client.head("/get-only").status shouldBe HttpStatusCode.OK
            calls.get() shouldBe 5
        }
    }
})

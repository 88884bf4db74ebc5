package io.cashews.ktor.server

import io.cashews.Cache
import io.cashews.cached
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldMatch
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.HttpResponse
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.response.header
import io.ktor.server.response.respondBytesWriter
import io.ktor.server.response.respondOutputStream
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.ApplicationTestBuilder
import io.ktor.server.testing.testApplication
import io.ktor.utils.io.writeStringUtf8
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/** A test application with the plugin on an in-memory cache, a wall clock the test moves, and a call counter. */
private class Fixture(
    val cache: Cache = Cache("mem://"),
    val clock: AtomicLong = AtomicLong(1_000_000),
    val calls: AtomicInteger = AtomicInteger(),
)

private fun cachingTest(
    configure: CashewsConfig.() -> Unit = {},
    body: suspend ApplicationTestBuilder.(Fixture) -> Unit,
) {
    val fixture = Fixture()
    testApplication {
        install(Cashews) {
            cache = fixture.cache
            clock = fixture.clock::get
            configure()
        }
        routing {
            cached("10m") {
                get("/plain") { call.respondText("call ${fixture.calls.incrementAndGet()}") }
                get("/same") {
                    fixture.calls.incrementAndGet()
                    call.respondText("always the same")
                }
                get("/failing") {
                    call.respondText(
                        "oops ${fixture.calls.incrementAndGet()}",
                        status = HttpStatusCode.InternalServerError,
                    )
                }
                get("/cookie") {
                    call.response.header(HttpHeaders.SetCookie, "session=abc")
                    call.respondText("cookie ${fixture.calls.incrementAndGet()}")
                }
                get("/private") {
                    call.response.header(HttpHeaders.CacheControl, "private")
                    call.respondText("mine ${fixture.calls.incrementAndGet()}")
                }
                get("/stream") {
                    call.response.header("X-Odd", "a=1; b:2; c")
                    call.response.header("X-Odd", "second value")
                    call.respondBytesWriter(ContentType.Text.Plain, HttpStatusCode.Created) {
                        writeStringUtf8("part one, ")
                        writeStringUtf8("call ${fixture.calls.incrementAndGet()}")
                    }
                }
                get("/output") {
                    call.respondOutputStream(
                        ContentType.Text.Plain,
                    ) { write("out ${fixture.calls.incrementAndGet()}".toByteArray()) }
                }
                get("/broken") {
                    call.respondBytesWriter(ContentType.Text.Plain) {
                        writeStringUtf8("half ${fixture.calls.incrementAndGet()}")
                        flush()
                        error("the stream broke")
                    }
                }
                get("/nested") {
                    val inner =
                        fixture.cache.cached(ttl = kotlin.time.Duration.parse("1h"), key = "inner") {
                            fixture.calls.incrementAndGet()
                        }
                    call.respondText("outer ${fixture.calls.incrementAndGet()} inner $inner")
                }
            }
        }
        body(fixture)
    }
}

private fun HttpResponse.header(name: String): String? = headers[name]

class CashewsPluginSpec : FunSpec({
    test("a second request is served from the cache with ETag, Cache-Control and Age, without the handler") {
        cachingTest { f ->
            val first = client.get("/plain")
            first.bodyAsText() shouldBe "call 1"
            first.header(HttpHeaders.ETag)!! shouldMatch Regex("\"[0-9a-f]{32}\"")
            first.header(HttpHeaders.CacheControl) shouldBe "private, max-age=600"
            first.header(HttpHeaders.Age) shouldBe "0"
            f.clock.addAndGet(30_000)
            val second = client.get("/plain")
            second.bodyAsText() shouldBe "call 1"
            second.header(HttpHeaders.ETag) shouldBe first.header(HttpHeaders.ETag)
            // Age is the time since the response was stored, and max-age its whole freshness lifetime (RFC 9111
            // §4.2.3: the receiver subtracts the age; a shrinking max-age would count it twice).
            second.header(HttpHeaders.Age) shouldBe "30"
            second.header(HttpHeaders.CacheControl) shouldBe "private, max-age=600"
            f.calls.get() shouldBe 1
            f.clock.addAndGet(600_000)
            client.get("/plain").bodyAsText() shouldBe "call 2"
        }
    }

    test("If-None-Match of a live entry answers 304 without the handler, in every form RFC 9110 allows") {
        cachingTest { f ->
            val etag = client.get("/plain").header(HttpHeaders.ETag)!!
            for (value in listOf(etag, "W/$etag", "\"other\", $etag", "*")) {
                val response = client.get("/plain") { header(HttpHeaders.IfNoneMatch, value) }
                response.status shouldBe HttpStatusCode.NotModified
                response.header(HttpHeaders.ETag) shouldBe etag
                response.bodyAsText() shouldBe ""
            }
            // A reload (max-age=0 with the ETag): recomputed, and 304 when the new body is the same.
            val reload =
                client.get("/same") {
                    header(HttpHeaders.CacheControl, "max-age=0")
                    header(HttpHeaders.IfNoneMatch, client.get("/same").headers[HttpHeaders.ETag]!!)
                }
            reload.status shouldBe HttpStatusCode.NotModified
            f.calls.set(1)
            val other = client.get("/plain") { header(HttpHeaders.IfNoneMatch, "\"something else\"") }
            other.status shouldBe HttpStatusCode.OK
            other.bodyAsText() shouldBe "call 1"
            f.calls.get() shouldBe 1
        }
    }

    test(
        "request Cache-Control: no-store bypasses, no-cache and max-age=0 recompute and store, and no request sets the TTL",
    ) {
        cachingTest { f ->
            // A fresh response asked for recomputes this response only, not the cached reads of its handler.
            client.get("/nested").bodyAsText() shouldBe "outer 2 inner 1"
            client.get("/nested") { header(HttpHeaders.CacheControl, "no-cache") }.bodyAsText() shouldBe
                "outer 3 inner 1"
            f.calls.set(0)
            client.get("/plain") { header(HttpHeaders.CacheControl, "no-store") }.bodyAsText() shouldBe "call 1"
            client.get("/plain").bodyAsText() shouldBe "call 2" // nothing was stored
            client.get("/plain") { header(HttpHeaders.CacheControl, "no-cache") }.bodyAsText() shouldBe "call 3"
            client.get("/plain").bodyAsText() shouldBe "call 3" // the recomputed response was stored
            client.get("/plain") { header(HttpHeaders.CacheControl, "public, max-age=0") }.bodyAsText() shouldBe
                "call 4"
            client.get("/plain").bodyAsText() shouldBe "call 4"
            val fresh = client.get("/plain") { header(HttpHeaders.CacheControl, "no-cache, max-age=5") }
            fresh.bodyAsText() shouldBe "call 5"
            // A client's max-age decides what it accepts, not how long the response is kept for everybody.
            fresh.header(HttpHeaders.CacheControl) shouldBe "private, max-age=600"
            f.clock.addAndGet(6_000)
            client.get("/plain").bodyAsText() shouldBe "call 5"
        }
    }

    test("a request's max-age serves only a response at most that old") {
        cachingTest { f ->
            client.get("/plain").bodyAsText() shouldBe "call 1"
            f.clock.addAndGet(120_000)
            client.get("/plain") { header(HttpHeaders.CacheControl, "max-age=300") }.bodyAsText() shouldBe "call 1"
            client.get("/plain") { header(HttpHeaders.CacheControl, "max-age=60") }.bodyAsText() shouldBe "call 2"
        }
    }

    test("errors, responses that set cookies and private responses are not stored") {
        cachingTest { f ->
            repeat(2) { client.get("/failing").status shouldBe HttpStatusCode.InternalServerError }
            repeat(2) { client.get("/cookie").header(HttpHeaders.SetCookie) shouldBe "session=abc" }
            repeat(2) { client.get("/private") }
            f.calls.get() shouldBe 6
        }
    }

    test("streamed responses are cached and replayed with their status and every header value as sent") {
        cachingTest { f ->
            val first = client.get("/stream")
            first.status shouldBe HttpStatusCode.Created
            first.bodyAsText() shouldBe "part one, call 1"
            val second = client.get("/stream")
            second.status shouldBe HttpStatusCode.Created
            second.bodyAsText() shouldBe "part one, call 1"
            second.headers.getAll("X-Odd") shouldBe listOf("a=1; b:2; c", "second value")
            second.header(HttpHeaders.ETag) shouldNotBe null
            client.get("/output").bodyAsText() shouldBe "out 2"
            client.get("/output").bodyAsText() shouldBe "out 2"
            f.calls.get() shouldBe 2
        }
    }

    test("a stream that fails midway caches nothing") {
        cachingTest { f ->
            runCatching { client.get("/broken").bodyAsText() }
            runCatching { client.get("/broken").bodyAsText() }
            f.calls.get() shouldBe 2
        }
    }

    test("concurrent requests for one key run the handler once") {
        val gate = CompletableDeferred<Unit>()
        val calls = AtomicInteger()
        testApplication {
            install(Cashews) { cache = Cache("mem://") }
            routing {
                cached("1m") {
                    get("/slow") {
                        calls.incrementAndGet()
                        gate.await()
                        call.respondText("slow")
                    }
                }
            }
            startApplication()
            coroutineScope {
                val responses = List(20) { async { client.get("/slow").bodyAsText() } }
                while (calls.get() == 0) kotlinx.coroutines.yield()
                gate.complete(Unit)
                responses.awaitAll().toSet() shouldBe setOf("slow")
            }
            calls.get() shouldBe 1
        }
    }

    test("Clear-Site-Data: \"cache\" is ignored by default; when allowed, the request recomputes every cached read") {
        cachingTest { f ->
            client.get("/nested").bodyAsText() shouldBe "outer 2 inner 1"
            client.get("/nested") { header("Clear-Site-Data", "\"cache\"") }.bodyAsText() shouldBe "outer 2 inner 1"
        }
        cachingTest({ defaults { clearSiteData = true } }) { f ->
            client.get("/nested").bodyAsText() shouldBe "outer 2 inner 1"
            client.get("/nested") { header("Clear-Site-Data", "\"cache\", \"cookies\"") }.bodyAsText() shouldBe
                "outer 4 inner 3"
            client.get("/nested").bodyAsText() shouldBe "outer 4 inner 3"
        }
    }

    test("the default key sorts the query and varies by the configured headers; profiles and custom keys apply") {
        val calls = AtomicInteger()
        testApplication {
            install(Cashews) {
                cache = Cache("mem://")
                register(CacheProfileName("by-language")) { vary += HttpHeaders.AcceptLanguage }
                register(CacheProfileName("one-key")) { key { "constant" } }
            }
            routing {
                cached(
                    CacheProfileName("by-language"),
                ) { get("/hello") { call.respondText("hello ${calls.incrementAndGet()}") } }
                cached(
                    CacheProfileName("one-key"),
                ) { get("/any/{id}") { call.respondText("any ${calls.incrementAndGet()}") } }
            }
            client.get("/hello?b=2&a=1").bodyAsText() shouldBe "hello 1"
            client.get("/hello?a=1&b=2").bodyAsText() shouldBe "hello 1"
            val french = client.get("/hello?a=1&b=2") { header(HttpHeaders.AcceptLanguage, "fr") }
            french.bodyAsText() shouldBe "hello 2"
            french.headers[HttpHeaders.Vary] shouldBe HttpHeaders.AcceptLanguage
            client.get("/any/1").bodyAsText() shouldBe "any 3"
            client.get("/any/2").bodyAsText() shouldBe "any 3"
        }
    }
})

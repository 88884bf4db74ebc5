package io.cashews.samples

import io.cashews.Cache
import io.cashews.ktor.server.CacheProfileName
import io.cashews.ktor.server.Cashews
import io.cashews.ktor.server.ResponseStrategy
import io.cashews.ktor.server.cached
import io.cashews.ktor.server.tokenBucket
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.request.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.testApplication
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** The README's Ktor sample, served by a test application and called twice per route. */
class KtorSamplesSpec : FunSpec({
    test("ktor") {
        val api = Api()
        val catalog = Catalog()
        val repo = Repo()
        testApplication {
            application {
                // sample: ktor
                install(Cashews) {
                    cache = Cache("mem://?size=10000")                     // or redis://…, disk://…
                    defaults { public = true }
                    register(CacheProfileName("catalog")) { ttl("10m"); vary += HttpHeaders.AcceptLanguage }
                }
                routing {
                    cached("5m") { get("/rates") { call.respondText(api.rates().toString()) } }
                    cached(CacheProfileName("catalog")) { get("/products") { call.respondText(catalog.list()) } }
                    cached({ ttl("1m"); key { call -> "user:" + call.parameters["id"] } }) {
                        get("/users/{id}") { call.respondText(repo.load(call.parameters["id"]!!.toLong()).name) }
                    }
                    cached({ ttl("1h"); strategy = ResponseStrategy.Early(earlyTtl = 5.minutes) }) {
                        get("/feed") { call.respondText(api.feed()) }
                    }
                }
                // end sample
            }
            repeat(2) {
                client.get("/rates").bodyAsText() shouldBe "Rates(eurUsd=1.08)"
                client.get("/products").bodyAsText() shouldBe "products #1"
                client.get("/users/3").bodyAsText() shouldBe "user 3"
                client.get("/feed").bodyAsText() shouldBe "feed #1"
            }
            client.get("/products") { headers.append(HttpHeaders.AcceptLanguage, "fr") }.bodyAsText() shouldBe "products #2"
        }
        api.calls.get() shouldBe 2
        repo.loads.get() shouldBe 1
    }

    test("ktor-token-bucket") {
        val index = SearchIndex()
        testApplication {
            application {
                install(Cashews) { cache = Cache("mem://") }
                // sample: ktor-token-bucket
                routing {
                    tokenBucket(rate = 10, period = 1.seconds, burst = 20, key = { it.request.header("X-Api-Key") ?: "anonymous" }) {
                        get("/search") { call.respondText(index.search(call.parameters["q"]!!).toString()) }
                    }
                }
                // end sample
            }
            val statuses = (1..21).map { client.get("/search?q=tea") { headers.append("X-Api-Key", "k") }.status }
            statuses.count { it == HttpStatusCode.OK } shouldBe 20
            val refused = client.get("/search?q=tea") { headers.append("X-Api-Key", "k") }
            refused.status shouldBe HttpStatusCode.TooManyRequests
            refused.headers[HttpHeaders.RetryAfter] shouldBe "1"
        }
        index.searches.get() shouldBe 20
    }
})


package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.testApplication
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/** The plugin keeps no clock of its own: the cache's time source moves freshness, `Age` and the stored entries. */
class OneClockSpec : FunSpec({
    test("with no clock configured, the cache's time source drives Age, freshness and the early strategy") {
        val time = TestTimeSource()
        val calls = AtomicInteger()
        testApplication {
            install(Cashews) { cache = Cache("mem://", time) }
            routing {
                cached({
                    ttl("10m")
                    strategy = ResponseStrategy.Early(1.minutes)
                }) { get("/rates") { call.respondText("v${calls.incrementAndGet()}") } }
            }
            startApplication()
            client.get("/rates").bodyAsText() shouldBe "v1"
            time += 30.seconds
            val aged = client.get("/rates")
            aged.bodyAsText() shouldBe "v1"
            aged.headers[HttpHeaders.Age] shouldBe "30"
            time += 31.seconds
            // Stale by the cache's clock: this request refreshes it.
            client.get("/rates").bodyAsText() shouldBe "v2"
            client.get("/rates").headers[HttpHeaders.Age] shouldBe "0"
        }
    }

    test("hit counts a response's hits where the core's hit strategy counts them") {
        val cache = Cache("mem://")
        val calls = AtomicInteger()
        testApplication {
            install(Cashews) { this.cache = cache }
            routing {
                cached({
                    ttl("10m")
                    key { "top" }
                    strategy = ResponseStrategy.Hit(3)
                }) { get("/top") { call.respondText("v${calls.incrementAndGet()}") } }
            }
            startApplication()
            repeat(3) { client.get("/top").bodyAsText() shouldBe "v1" }
            cache.get<Long>("http:top:counter") shouldBe 2
            cache.exists("http:top:hits") shouldBe false
        }
    }
})

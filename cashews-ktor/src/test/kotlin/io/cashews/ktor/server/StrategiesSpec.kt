package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.testApplication
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.yield
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.minutes

/** How the test makes a handler fail: not at all, with a 503, or by throwing. */
private enum class Failure { NONE, STATUS, THROW }

class StrategiesSpec : FunSpec({
    val clock = AtomicLong(1_000_000)
    val calls = AtomicInteger()
    var failure = Failure.NONE
    var gate: CompletableDeferred<Unit>? = null

    fun strategyTest(body: suspend io.ktor.server.testing.ApplicationTestBuilder.() -> Unit) {
        calls.set(0)
        failure = Failure.NONE
        gate = null
        testApplication {
            install(Cashews) {
                cache = Cache("mem://")
                this.clock = clock::get
            }
            routing {
                val handler: suspend io.ktor.server.routing.RoutingContext.() -> Unit = {
                    val n = calls.incrementAndGet()
                    gate?.takeIf { n > 1 }?.await()
                    when (failure) {
                        Failure.NONE -> call.respondText("v$n")
                        Failure.STATUS -> call.respondText("down", status = HttpStatusCode.ServiceUnavailable)
                        Failure.THROW -> error("the backend is down")
                    }
                }
                cached({
                    ttl("10m")
                    strategy = ResponseStrategy.Early(1.minutes)
                }) { get("/early", handler) }
                cached({
                    ttl("10m")
                    strategy = ResponseStrategy.Soft(1.minutes)
                }) { get("/soft", handler) }
                cached({
                    ttl("10m")
                    strategy = ResponseStrategy.Failover
                }) { get("/failover", handler) }
                cached({
                    ttl("10m")
                    strategy = ResponseStrategy.Hit(2)
                }) { get("/hit", handler) }
            }
            startApplication()
            body()
        }
    }

    test("early: once stale, one request refreshes while the others get the stored response at once") {
        strategyTest {
            val first = client.get("/early")
            first.bodyAsText() shouldBe "v1"
            first.headers[HttpHeaders.CacheControl] shouldBe "private, max-age=60, stale-while-revalidate=540"
            clock.addAndGet(90_000)
            gate = CompletableDeferred()
            coroutineScope {
                val refreshing = async { client.get("/early").bodyAsText() }
                while (calls.get() < 2) yield()
                // The refresh is under way: another request does not wait for it.
                client.get("/early").bodyAsText() shouldBe "v1"
                gate!!.complete(Unit)
                refreshing.await() shouldBe "v2"
            }
            client.get("/early").bodyAsText() shouldBe "v2"
            calls.get() shouldBe 2
        }
    }

    test("soft: once stale, a failing handler (a 5xx or an exception) is answered with the stored response") {
        strategyTest {
            client.get("/soft").bodyAsText() shouldBe "v1"
            clock.addAndGet(90_000)
            failure = Failure.STATUS
            val replaced = client.get("/soft")
            replaced.status shouldBe HttpStatusCode.OK
            replaced.bodyAsText() shouldBe "v1"
            // The whole freshness lifetime and stale allowance; the receiver subtracts the Age (90 s) itself.
            replaced.headers[HttpHeaders.CacheControl] shouldBe "private, max-age=60, stale-if-error=540"
            replaced.headers[HttpHeaders.Age] shouldBe "90"
            failure = Failure.THROW
            client.get("/soft").bodyAsText() shouldBe "v1"
            failure = Failure.NONE
            client.get("/soft").bodyAsText() shouldBe "v4"
            client.get("/soft").bodyAsText() shouldBe "v4"
        }
    }

    test("failover: the handler runs every time, and its failures are answered with the last good response") {
        strategyTest {
            client.get("/failover").bodyAsText() shouldBe "v1"
            client.get("/failover").bodyAsText() shouldBe "v2"
            failure = Failure.STATUS
            client.get("/failover").bodyAsText() shouldBe "v2"
            failure = Failure.THROW
            client.get("/failover").bodyAsText() shouldBe "v2"
        }
    }

    test("hit: a stored response is served a given number of times, then recomputed") {
        strategyTest {
            client.get("/hit").bodyAsText() shouldBe "v1"
            client.get("/hit").bodyAsText() shouldBe "v1"
            client.get("/hit").bodyAsText() shouldBe "v1"
            client.get("/hit").bodyAsText() shouldBe "v2"
            client.get("/hit").bodyAsText() shouldBe "v2"
        }
    }
})

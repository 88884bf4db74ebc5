package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class CircuitBreakerSpec : FunSpec({
    /** A breaker over [cache] at key "api": 5 % errors over ≥ 10 calls per minute opens it for 30 s. */
    suspend fun call(cache: Cache, fail: Boolean = false, failure: Throwable = IOException("down")): String =
        cache.circuitBreaker(errorsRate = 5.0, period = 1.minutes, ttl = 30.seconds, minCalls = 10, key = "api") {
            if (fail) throw failure
            "ok"
        }

    test("opens once the error rate is reached over at least minCalls calls") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            repeat(8) { call(cache) }
            shouldThrow<IOException> { call(cache, fail = true) } // 1 of 9: below minCalls, stays closed
            call(cache) shouldBe "ok"
            shouldThrow<IOException> { call(cache, fail = true) } // 2 of 11 ≥ 5 %: opens
            val open = shouldThrow<CircuitBreakerOpen> { call(cache) }
            open.retryAfter shouldBe 30.seconds
            open.message shouldContain "circuit_breaker:api"
        }
    }

    test("a rate under the threshold keeps it closed") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val lenient: suspend (Boolean) -> String = { fail ->
                cache.circuitBreaker(50.0, 1.minutes, 30.seconds, "lenient", minCalls = 4) {
                    if (fail) throw IOException("down") else "ok"
                }
            }
            repeat(3) { lenient(false) }
            shouldThrow<IOException> { lenient(true) } // 1 of 4 = 25 %
            lenient(false) shouldBe "ok"
        }
    }

    test("exceptions that are not listed are not counted") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val breaker: suspend () -> String = {
                cache.circuitBreaker(
                    errorsRate = 10.0,
                    period = 1.minutes,
                    ttl = 30.seconds,
                    key = "typed",
                    exceptions = setOf(IOException::class),
                ) { throw IllegalStateException("a bug, not an outage") }
            }
            repeat(20) { shouldThrow<IllegalStateException> { breaker() } }
            shouldThrow<IllegalStateException> { breaker() } // still closed: the calls went through
        }
    }

    test("open for ttl, then half-open: one trial passes, its success closes the breaker") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            repeat(10) { shouldThrow<IOException> { call(cache, fail = true) } }
            time += 30.seconds - 1.milliseconds
            shouldThrow<CircuitBreakerOpen> { call(cache) }.retryAfter shouldBe 1.milliseconds
            time += 1.milliseconds
            val calls = AtomicInteger()
            // Half-open: the first call is the trial; a second one while it runs is refused.
            cache.circuitBreaker(5.0, 1.minutes, 30.seconds, "api", minCalls = 10) {
                calls.incrementAndGet()
                shouldThrow<CircuitBreakerOpen> { call(cache) }
                "ok"
            } shouldBe "ok"
            calls.get() shouldBe 1
            repeat(5) { call(cache) shouldBe "ok" } // closed again
        }
    }

    test("a failed trial opens the breaker again for ttl") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            repeat(10) { shouldThrow<IOException> { call(cache, fail = true) } }
            time += 30.seconds
            shouldThrow<IOException> { call(cache, fail = true) }
            shouldThrow<CircuitBreakerOpen> { call(cache) }.retryAfter shouldBe 30.seconds
        }
    }

    test("with no trial during halfOpenTtl, the breaker closes") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            repeat(10) { shouldThrow<IOException> { call(cache, fail = true) } }
            time += 30.seconds + 30.seconds // ttl, then the whole half-open period
            repeat(3) { call(cache) shouldBe "ok" }
        }
    }

    test("the state is shared by every cache on the backend") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(timeSource = time)
            val first = Cache(time).apply { setup(backend) }
            val second = Cache(time).apply { setup(backend) }
            repeat(10) { shouldThrow<IOException> { call(first, fail = true) } }
            shouldThrow<CircuitBreakerOpen> { call(second) }
        }
    }

    test("bad settings are refused with the value in the message") {
        runTest {
            val cache = Cache("mem://")
            shouldThrow<IllegalArgumentException> {
                cache.circuitBreaker(0.0, 1.minutes, 1.minutes, "k") { }
            }.message shouldContain "0.0"
            shouldThrow<IllegalArgumentException> {
                cache.circuitBreaker(150.0, 1.minutes, 1.minutes, "k") { }
            }.message shouldContain "150.0"
            shouldThrow<IllegalArgumentException> {
                cache.circuitBreaker(50.0, 1.minutes, 1.minutes, "k", minCalls = -1) { }
            }.message shouldContain "minCalls"
        }
    }

    test("minCalls = 0, as cashews accepts it: every call counts, so the first failure at 100 % opens the breaker") {
        runTest {
            val cache = Cache("mem://")
            shouldThrow<IOException> {
                cache.circuitBreaker(100.0, 1.minutes, 1.minutes, "zero", minCalls = 0) { throw IOException("down") }
            }
            shouldThrow<CircuitBreakerOpen> {
                cache.circuitBreaker(
                    100.0,
                    1.minutes,
                    1.minutes,
                    "zero",
                    minCalls = 0,
                ) { }
            }
        }
    }
})

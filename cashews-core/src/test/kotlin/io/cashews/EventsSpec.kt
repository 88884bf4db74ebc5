package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.test.testTimeSource
import java.io.IOException
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class EventsSpec : FunSpec({
    test("a listener hears misses, loads with their time, puts, hits and load failures") {
        runTest {
            val cache = Cache("mem://", testTimeSource)
            val listener = RecordingListener()
            cache.addListener(listener)
            repeat(2) {
                cache.cached(1.minutes, key = "k") {
                    kotlinx.coroutines.delay(30.milliseconds)
                    "v"
                }
            }
            shouldThrow<IOException> { cache.cached<String>(1.minutes, key = "bad") { throw IOException("down") } }
            listener.events shouldContainExactly
                listOf(
                    "miss cached k",
                    "load cached k 30ms",
                    "put cached k",
                    "hit cached k",
                    "miss cached bad",
                    "failure cached bad down",
                )
            cache.removeListener(listener) shouldBe true
            cache.cached(1.minutes, key = "k") { "v" }
            listener.events.size shouldBe 6
        }
    }

    test("stale answers are reported as stale, not as hits") {
        runTest {
            val cache = Cache("mem://", testTimeSource)
            val listener = RecordingListener()
            cache.addListener(listener)
            cache.failover(1.minutes, key = "f") { "good" }
            cache.failover<String>(1.minutes, key = "f") { throw IOException("down") } shouldBe "good"
            listener.events.last() shouldBe "stale failover fail:f"
        }
    }

    test("rate-limit refusals and breaker transitions are reported") {
        runTest {
            val cache = Cache("mem://", testTimeSource)
            val listener = RecordingListener()
            cache.addListener(listener)
            cache.rateLimit(limit = 1, period = 1.minutes, key = "r", action = { "refused" }) { "ok" }
            cache.rateLimit(limit = 1, period = 1.minutes, key = "r", action = { "refused" }) { "ok" } shouldBe
                "refused"
            listener.events.last() shouldBe "rejected RATE_LIMITED rate_limit:r"
            listener.events.clear()

            suspend fun call(fail: Boolean) =
                runCatching {
                    cache.circuitBreaker(errorsRate = 50.0, period = 1.minutes, ttl = 10.seconds, key = "b") {
                        if (fail) throw IOException("down") else "ok"
                    }
                }
            call(fail = true)
            call(fail = false)
            kotlinx.coroutines.delay(11.seconds)
            call(fail = false)
            listener.events shouldContainExactly
                listOf(
                    "breaker circuit_breaker:b CLOSED->OPEN",
                    "rejected CIRCUIT_OPEN circuit_breaker:b",
                    "breaker circuit_breaker:b OPEN->HALF_OPEN",
                    "breaker circuit_breaker:b HALF_OPEN->CLOSED",
                )
        }
    }

    test("evictions of the memory backend are reported with its layer") {
        runTest {
            val cache = Cache("mem://?size=10")
            val evicted = CountDownLatch(1)
            val layers = Collections.synchronizedList(mutableListOf<String>())
            cache.addListener(
                object : CacheEventListener {
                    override fun onEviction(key: String, layer: String) {
                        layers += layer
                        evicted.countDown()
                    }
                },
            )
            repeat(100) { cache.set("k$it", it) }
            evicted.await(10, TimeUnit.SECONDS) shouldBe true
            layers.first() shouldBe "mem"
        }
    }

    test("a listener that throws never fails a cache call") {
        runTest {
            val cache = Cache("mem://")
            cache.addListener(
                object : CacheEventListener {
                    override fun onMiss(
                        key: String,
                        strategy: String,
                    ): Unit = throw IllegalStateException("bad listener")

                    override fun onHit(key: String, strategy: String): Unit = throw IllegalStateException(
                        "bad listener",
                    )
                },
            )
            repeat(2) { cache.cached(1.minutes, key = "k") { "v" } shouldBe "v" }
        }
    }

    test("stats still count while a listener is registered") {
        runTest {
            val cache = Cache("mem://")
            cache.recordStats = true
            cache.addListener(object : CacheEventListener {})
            repeat(3) { cache.cached(1.minutes, key = "k") { "v" } }
            val stats = cache.stats().getValue("cached")
            stats.hits shouldBe 2
            stats.misses shouldBe 1
            stats.loads shouldBe 1
        }
    }
})

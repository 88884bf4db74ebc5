package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.io.IOException
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class ObservabilitySpec : FunSpec({
    test("detect reports each value served from the cache, with strategy, ttl and freshness") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.cached(1.hours, "a") { 1 }
            cache.early(1.minutes, "b", earlyTtl = 20.seconds) { 2 }
            val detected =
                detect {
                    cache.cached(1.hours, "a") { 0 } + cache.early(1.minutes, "b", earlyTtl = 20.seconds) { 0 } +
                        cache.cached(1.hours, "cold") { 3 }
                }
            detected.value shouldBe 6
            detected.hits.map { it.key to it.strategy } shouldBe listOf("a" to "cached", "early:b" to "early")
            detected.hits[0]
                .ttl
                .shouldBeInstanceOf<KeyTtl.Expiring>()
                .remaining shouldBe 1.hours
            detected.hits[1].freshFor shouldBe 20.seconds
            detected.hits[1].stale shouldBe false
        }
    }

    test("stale answers are reported as stale") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.failover(1.hours, "f") { "good" }
            val detected = detect { cache.failover<String>(1.hours, "f") { throw IOException("down") } }
            detected.value shouldBe "good"
            detected.hits.single().stale shouldBe true
        }
    }

    test("detect sees child coroutines, nested blocks report to both, and nothing leaks outside") {
        runTest {
            val cache = Cache("mem://")
            cache.cached(1.hours, "k") { 1 }
            val outer =
                detect {
                    coroutineScope { launch { check(cache.cached(1.hours, "k") { 0 } == 1) } }
                    val inner = detect { cache.cached(1.hours, "k") { 0 } }
                    inner.hits.size shouldBe 1
                }
            outer.hits.size shouldBe 2
            cache.cached(1.hours, "k") { 0 }
            detect { }.hits.shouldBeEmpty()
        }
    }

    test("stats count hits, misses, loads, failures and stale answers; waiters are misses, not hits") {
        runTest {
            val cache = Cache("mem://")
            cache.recordStats = true
            val gate = CompletableDeferred<Unit>()
            val callers = List(10) { async { cache.cached(1.hours, "k") { gate.await().let { 1 } } } }
            runCurrent()
            gate.complete(Unit)
            callers.awaitAll()
            repeat(3) { cache.cached<Int>(1.hours, "k") { 0 } }
            runCatching { cache.cached<Int>(1.hours, "bad") { throw IOException("x") } }
            cache.failover(1.hours, "f") { 1 }
            cache.failover<Int>(1.hours, "f") { throw IOException("x") }
            val cached = cache.stats().getValue("cached")
            cached shouldBe
                StrategyStats("cached", hits = 3, misses = 11, loads = 2, loadFailures = 1, staleServed = 0, size = 1)
            cache.stats().getValue("failover").size shouldBe 1
            cache.stats().getValue("failover").staleServed shouldBe 1
            cached.hitRate shouldBe 3.0 / 14
            cache.resetStats()
            cache.stats() shouldBe emptyMap()
            // Counting starts again after a reset, and is reported again.
            cache.cached<Int>(1.hours, "k") { 0 }
            cache.stats().getValue("cached").hits shouldBe 1
        }
    }

    test("size counts each strategy's values, not its helper keys") {
        runTest {
            val cache = Cache("mem://")
            cache.recordStats = true
            cache.early(1.minutes, "a") { 1 }
            cache.early(1.minutes, "b") { 2 }
            cache.hit(1.minutes, "c", cacheHits = 5) { 3 }
            cache.hit(1.minutes, "c", cacheHits = 5) { 3 }
            cache.cached<Int>(1.minutes, "plain") { 4 }
            val stats = cache.stats()
            stats.getValue("early").size shouldBe 2
            stats.getValue("hit").size shouldBe 1
            stats.getValue("cached").size shouldBe 1
        }
    }

    test("without recordStats nothing is counted") {
        runTest {
            val cache = Cache("mem://")
            repeat(2) { cache.cached<Int>(1.hours, "k") { 1 } }
            cache.stats() shouldBe emptyMap()
        }
    }

    test("upper does not store a result that an inner cache served stale") {
        runTest {
            val cache = Cache("mem://")
            cache.failover(1.hours, "inner") { "old" }
            val outer =
                cache.cached(1.hours, "outer", upper = true) {
                    cache.failover<String>(1.hours, "inner") { throw IOException("down") }
                }
            outer shouldBe "old"
            cache.exists("outer") shouldBe false
            cache.cached(1.hours, "outer", upper = true) { "fresh" } shouldBe "fresh"
            cache.exists("outer") shouldBe true
        }
    }
})

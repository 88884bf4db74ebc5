package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.TestTimeSource

/** cacheme's stale invalidation: a value marked stale is served while one caller's refresh reloads it. */
class StaleInvalidationSpec : FunSpec({
    test("a value marked stale answers every caller at once while one background refresh reloads it") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val loads = AtomicInteger()
            var gate = CompletableDeferred(Unit)

            suspend fun cat() =
                cache.cached(1.hours, "cat:1", serveStale = true) {
                    gate.await()
                    "cat v${loads.incrementAndGet()}"
                }
            cat() shouldBe "cat v1"
            time += 10.minutes
            cache.markStale("cat:1") shouldBe true
            cache.exists("cat:1") shouldBe false
            cache.ttl("cat:1:stale") shouldBe KeyTtl.Expiring(50.minutes)

            gate = CompletableDeferred()
            val callers = List(20) { async { cat() } }
            runCurrent()
            // Every caller got the stale value without waiting; one refresh is loading.
            callers.awaitAll().toSet() shouldBe setOf("cat v1")
            gate.complete(Unit)
            runCurrent()
            loads.get() shouldBe 2
            cat() shouldBe "cat v2"
            cache.exists("cat:1:stale") shouldBe false
            cache.markStale("missing") shouldBe false
        }
    }

    test("a call without serveStale reads a stale-marked key as a miss and loads in the foreground") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            cache.cached(1.hours, "k") { loads.incrementAndGet() } shouldBe 1
            cache.markStale("k")
            cache.cached(1.hours, "k") { loads.incrementAndGet() } shouldBe 2
        }
    }

    test("a handle marks its own keys stale; deleteTags reaches the stale copy too") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            val policy =
                CachedPolicy(
                    TtlRule.Fixed(1.hours),
                    KeyTemplate.of("cat:{id}"),
                    tags = listOf("cats"),
                    serveStale = true,
                )
            val cat = cache.function(policy) { id: Int -> "cat $id v${loads.incrementAndGet()}" }
            cat(1) shouldBe "cat 1 v1"
            cat.invalidate(1, stale = true) shouldBe true
            cat(1) shouldBe "cat 1 v1"
            runCurrent()
            cat(1) shouldBe "cat 1 v2"

            cat.invalidate(1, stale = true)
            cache.deleteTags(listOf("cats"))
            // The stale copy carries the value's tag stamp: after deleteTags it is unreadable, so the call loads.
            cat(1) shouldBe "cat 1 v3"
            cat.invalidate(1) shouldBe true
            cache.exists("cat:1:stale") shouldBe false
        }
    }
})

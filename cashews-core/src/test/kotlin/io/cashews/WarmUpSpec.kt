package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import java.io.IOException
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours

class WarmUpSpec : FunSpec({
    test("a warm-up loads the missing ids in batches, at most `concurrency` at once, and reports to the listeners") {
        runBlocking {
            val cache = Cache("mem://?size=10000")
            cache.set("user:7", "stored")
            val progress = Collections.synchronizedList(ArrayList<Pair<Long, Long>>())
            cache.addListener(
                object : CacheEventListener {
                    override fun onWarmUp(name: String, done: Long, total: Long) {
                        progress += done to total
                    }
                },
            )
            val running = AtomicInteger()
            val gate = CompletableDeferred<Unit>()
            val batches = Collections.synchronizedList(ArrayList<List<Int>>())
            val warming =
                async {
                    cache.warmUp(
                        "users",
                        (0 until 1_000).toList(),
                        1.hours,
                        keyOf = { "user:$it" },
                        concurrency = 3,
                    ) { ids ->
                        running.incrementAndGet()
                        batches += ids
                        gate.await()
                        running.decrementAndGet()
                        ids.filter { it != 999 }.associateWith { "user $it" }
                    }
                }
            repeat(5) { yield() }
            running.get() shouldBe 3 // the others wait for a permit
            gate.complete(Unit)
            val report = warming.await()
            report.total shouldBe 1_000
            report.present shouldBe 999
            report.leftOut shouldBe 1
            report.failed shouldBe 0
            batches.size shouldBe 10
            batches.sumOf { it.size } shouldBe 999 // user:7 was read, not loaded
            cache.get<String>("user:7") shouldBe "stored"
            cache.get<String>("user:500") shouldBe "user 500"
            progress.last() shouldBe (1_000L to 1_000L)
        }
    }

    test("a failing batch is counted and kept in the report; the others still warm the cache") {
        runBlocking {
            val cache = Cache("mem://?size=1000")
            val failure = IOException("replica down")
            val report =
                cache.warmUp("items", (0 until 300).toList(), 1.hours, batchSize = 100) { ids ->
                    if (0 in ids) throw failure
                    ids.associateWith { it * 2 }
                }
            report.failed shouldBe 100
            report.present shouldBe 200
            report.firstFailure shouldBeSameInstanceAs failure
            cache.get<Int>("150") shouldBe 300
            cache.get<Int>("50") shouldBe null
        }
    }

    test("a handle warms through its bulk loader, and bad settings are refused naming the value") {
        runBlocking {
            val cache = Cache("mem://")
            val bulkCalls = AtomicInteger()
            val square =
                cache.function(ttl = "1h", key = "sq:{n}") { n: Int -> n * n }.withBulkLoader { ns ->
                    bulkCalls.incrementAndGet()
                    ns.associateWith { it * it }
                }
            val report = square.warmUp((1..250).toList(), batchSize = 100)
            report.name shouldBe "sq:{n}"
            report.present shouldBe 250
            bulkCalls.get() shouldBe 3
            cache.get<Int>("sq:12") shouldBe 144
            shouldThrow<IllegalArgumentException> { square.warmUp(listOf(1), concurrency = 0) }.message shouldContain
                "0"
            shouldThrow<IllegalArgumentException> { square.warmUp(listOf(1), batchSize = -5) }.message shouldContain
                "-5"
        }
    }
})

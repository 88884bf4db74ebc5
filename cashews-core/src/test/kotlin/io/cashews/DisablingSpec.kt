package io.cashews

import io.cashews.test.RecordingBackend
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import java.util.Collections
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class DisablingSpec : FunSpec({
    test("with GET disabled a cached call always loads, and still stores") {
        runTest {
            val cache = Cache("mem://")
            cache.disable(Command.GET)
            var loads = 0
            repeat(2) { cache.cached<Int>(1.minutes, key = "k") { ++loads } }
            loads shouldBe 2
            cache.enable(Command.GET)
            cache.get<Int>("k") shouldBe 2
            cache.isDisabled() shouldBe false
        }
    }

    test("with SET disabled a cached call always loads and stores nothing") {
        runTest {
            val cache = Cache("mem://")
            cache.disable(Command.SET)
            cache.isDisabled(Command.SET) shouldBe true
            cache.isDisabled(Command.GET) shouldBe false
            var loads = 0
            repeat(2) { cache.cached<Int>(1.minutes, key = "k") { ++loads } }
            loads shouldBe 2
            cache.enable()
            cache.get<Int>("k") shouldBe null
        }
    }

    test("disable all then enable GET reads old values but stores nothing new") {
        runTest {
            val cache = Cache("mem://")
            cache.set("old", "value")
            cache.disable()
            cache.enable(Command.GET)
            cache.cached(1.minutes, key = "old") { "new" } shouldBe "value"
            cache.cached(1.minutes, key = "fresh") { "computed" } shouldBe "computed"
            cache.enable()
            cache.get<String>("fresh") shouldBe null
        }
    }

    test("a fully disabled cache calls every strategy straight through without touching the backend") {
        runTest {
            val backend = RecordingBackend()
            val cache = Cache()
            cache.setup(backend)
            cache.disable()
            cache.isFullyDisabled shouldBe true
            var loads = 0
            repeat(2) {
                cache.cached(1.minutes, key = "c") { ++loads }
                cache.early(ttl = 1.minutes, key = "e", earlyTtl = 30.seconds) { ++loads }
                cache.soft(ttl = 1.minutes, key = "s", softTtl = 30.seconds) { ++loads }
                cache.failover(ttl = 1.minutes, key = "f") { ++loads }
                cache.hit(ttl = 1.minutes, cacheHits = 10, key = "h") { ++loads }
                cache.rateLimit(limit = 1, period = 1.minutes, key = "r") { ++loads }
                cache.circuitBreaker(errorsRate = 50.0, period = 1.minutes, ttl = 1.minutes, key = "b") { ++loads }
                cache.set("tagged", 1, tags = listOf("t"))
            }
            cache.bloom("emails", capacity = 100).apply {
                add("a@b")
                mightContain("a@b") shouldBe false
            }
            loads shouldBe 14
            backend.count() shouldBe 0
        }
    }

    test("disabled commands answer neutrally in the right shape") {
        runTest {
            val cache = Cache("mem://")
            cache.set("a", 1)
            cache.disable(Command.GET_MANY, Command.INCR, Command.EXISTS)
            cache.getMany<Int>(listOf("a", "b", "c")) shouldBe listOf(null, null, null)
            cache.incr("n") shouldBe 0
            cache.exists("a") shouldBe false
            cache.get<Int>("a") shouldBe 1
        }
    }

    test("disable by prefix leaves the other backends working") {
        runTest {
            val cache = Cache()
            cache.setup("mem://")
            cache.setup("mem://", prefix = "users:")
            cache.disable(prefix = "users:")
            cache.set("users:1", "ann") shouldBe false
            cache.set("other", "x") shouldBe true
            cache.isDisabled(prefix = "users:") shouldBe true
            cache.isDisabled(prefix = "") shouldBe false
            cache.isFullyDisabled shouldBe false
        }
    }

    test("disabling {} holds in the block and its children, not in the caller or other coroutines") {
        runTest {
            val cache = Cache("mem://")
            cache.set("k", "stored")
            val inside = CompletableDeferred<Unit>()
            val outsideSaw = CompletableDeferred<String?>()
            val seen = Collections.synchronizedList(mutableListOf<String?>())
            coroutineScope {
                launch {
                    inside.await()
                    outsideSaw.complete(cache.get<String>("k"))
                }
                cache.disabling(Command.GET) {
                    seen += cache.get<String>("k")
                    coroutineScope { launch { seen += cache.get<String>("k") } }
                    inside.complete(Unit)
                    outsideSaw.await()
                    seen += cache.get<String>("k")
                    async { cache.set("k2", "written") }.await() shouldBe true // only GET is disabled
                }
            }
            seen shouldContainExactly listOf(null, null, null)
            outsideSaw.await() shouldBe "stored"
            cache.get<String>("k") shouldBe "stored"
            cache.get<String>("k2") shouldBe "written"
            // The direct hit path is back once the block is over.
            cache.route("k").local shouldBe cache.route("k").backend
        }
    }

    test("nested disabling blocks add up and unwind") {
        runTest {
            val cache = Cache("mem://")
            cache.set("k", 1)
            cache.disabling(Command.SET) {
                cache.set("k", 2) shouldBe false
                cache.get<Int>("k") shouldBe 1
                cache.disabling(Command.GET) { cache.get<Int>("k") shouldBe null }
                cache.get<Int>("k") shouldBe 1
            }
            cache.set("k", 3) shouldBe true
        }
    }

    test("a setup-disabled backend can be enabled at runtime") {
        runTest {
            val cache = Cache("mem://?disable=1")
            cache.isFullyDisabled shouldBe true
            cache.set("k", 1) shouldBe false
            cache.enable()
            cache.set("k", 1) shouldBe true
            cache.get<Int>("k") shouldBe 1
        }
    }
})

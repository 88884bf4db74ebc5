package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

private fun TestScope.virtualCache(time: TestTimeSource) = Cache("mem://", time)

class StrategiesSpec : FunSpec({
    test("early serves the stale value and refreshes once in the background after earlyTtl") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val loads = AtomicInteger()

            suspend fun call() = cache.early(1.minutes, "k", earlyTtl = 10.seconds) { "v${loads.incrementAndGet()}" }
            call() shouldBe "v1"
            time += 9.seconds
            call() shouldBe "v1"
            runCurrent()
            loads.get() shouldBe 1
            time += 1.seconds
            call() shouldBe "v1"
            runCurrent()
            loads.get() shouldBe 2
            call() shouldBe "v2"
        }
    }

    test("early never blocks a hot key and runs exactly one refresh at a time") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val gate = CompletableDeferred<Unit>()
            val loads = AtomicInteger()
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { "v${loads.incrementAndGet()}" }
            time += 10.seconds
            val callers =
                List(100) {
                    async {
                        cache.early(
                            1.minutes,
                            "k",
                            earlyTtl = 10.seconds,
                        ) { gate.await().let { "v${loads.incrementAndGet()}" } }
                    }
                }
            callers.awaitAll().toSet() shouldBe setOf("v1")
            runCurrent()
            gate.complete(Unit)
            runCurrent()
            loads.get() shouldBe 2
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { "unused" } shouldBe "v2"
        }
    }

    test("a failed early refresh keeps the stale value and is retried after earlyTtl") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val attempts = AtomicInteger()
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { "v1" }
            time += 10.seconds
            val failing: suspend () -> String = {
                attempts.incrementAndGet()
                throw IOException("down")
            }
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { failing() } shouldBe "v1"
            runCurrent()
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { failing() } shouldBe "v1"
            runCurrent()
            attempts.get() shouldBe 1
            time += 10.seconds
            cache.early(1.minutes, "k", earlyTtl = 10.seconds) { failing() } shouldBe "v1"
            runCurrent()
            attempts.get() shouldBe 2
        }
    }

    test("early rejects an earlyTtl longer than its ttl") {
        runTest {
            shouldThrow<IllegalArgumentException> { Cache("mem://").early(1.seconds, "k", earlyTtl = 2.seconds) { 1 } }
        }
    }

    test("soft recomputes after softTtl and serves the stale value when that fails, until ttl") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val down: suspend () -> String = { throw IOException("down") }
            cache.soft(1.minutes, "k", softTtl = 10.seconds) { "v1" } shouldBe "v1"
            time += 5.seconds
            cache.soft(1.minutes, "k", softTtl = 10.seconds) { "unused" } shouldBe "v1"
            time += 5.seconds
            cache.soft(1.minutes, "k", softTtl = 10.seconds) { "v2" } shouldBe "v2"
            time += 10.seconds
            cache.soft(1.minutes, "k", softTtl = 10.seconds) { down() } shouldBe "v2"
            shouldThrow<IllegalStateException> {
                cache.soft(
                    1.minutes,
                    "k",
                    softTtl = 10.seconds,
                    exceptions = setOf(IOException::class),
                ) { error("not listed") }
            }
            time += 1.minutes
            shouldThrow<IOException> { cache.soft(1.minutes, "k", softTtl = 10.seconds) { down() } }
        }
    }

    test("failover calls every time and returns the last good value on a listed failure") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val calls = AtomicInteger()
            cache.failover(1.minutes, "k") { "a${calls.incrementAndGet()}" } shouldBe "a1"
            cache.failover(1.minutes, "k") { "a${calls.incrementAndGet()}" } shouldBe "a2"
            cache.failover<String>(
                1.minutes,
                "k",
                exceptions = setOf(IOException::class),
            ) { throw IOException("down") } shouldBe
                "a2"
            shouldThrow<IllegalStateException> {
                cache.failover<String>(1.minutes, "k", exceptions = setOf(IOException::class)) { error("unlisted") }
            }
            time += 1.minutes
            shouldThrow<IOException> { cache.failover<String>(1.minutes, "k") { throw IOException("down") } }
        }
    }

    // The reference: "time_condition ... every caching decorator has it"; upper likewise.
    test("timeCondition stores only slow loads, on every caching strategy") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            val loads = AtomicInteger()

            suspend fun load(slow: Boolean): Int {
                if (slow) time += 2.seconds
                return loads.incrementAndGet()
            }
            val strategies: List<Pair<String, suspend (Boolean) -> Int>> =
                listOf(
                    "early" to { slow -> cache.early(1.minutes, "e", timeCondition = 1.seconds) { load(slow) } },
                    "soft" to { slow -> cache.soft(1.minutes, "s", timeCondition = 1.seconds) { load(slow) } },
                    "hit" to
                        { slow -> cache.hit(1.minutes, "h", cacheHits = 5, timeCondition = 1.seconds) { load(slow) } },
                    "dynamic" to { slow -> cache.dynamic("d", 1.minutes, timeCondition = 1.seconds) { load(slow) } },
                )
            for ((name, call) in strategies) {
                withClue(name) {
                    val fast = call(false)
                    call(false) shouldBe fast + 1
                    val slow = call(true)
                    call(false) shouldBe slow
                }
            }
            cache.failover(1.minutes, "f", timeCondition = 1.seconds) { "fast" }
            shouldThrow<IOException> {
                cache.failover<String>(1.minutes, "f", timeCondition = 1.seconds) { throw IOException("down") }
            }
            cache.failover(1.minutes, "f", timeCondition = 1.seconds) {
                time += 2.seconds
                "slow"
            }
            cache.failover<String>(1.minutes, "f", timeCondition = 1.seconds) { throw IOException("down") } shouldBe
                "slow"
        }
    }

    test("upper on early, soft and hit: a load that served an inner cached value is returned, not stored") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            cache.set("inner", "cached inside", 1.minutes)
            val loads = AtomicInteger()

            suspend fun outer(): String = "${loads.incrementAndGet()}:" + cache.cached(1.minutes, "inner") { "loaded" }
            cache.early(1.minutes, "e", upper = true) { outer() } shouldBe "1:cached inside"
            cache.early(1.minutes, "e", upper = true) { outer() } shouldBe "2:cached inside"
            cache.soft(1.minutes, "s", upper = true) { outer() } shouldBe "3:cached inside"
            cache.soft(1.minutes, "s", upper = true) { outer() } shouldBe "4:cached inside"
            cache.hit(1.minutes, "h", cacheHits = 3, upper = true) { outer() } shouldBe "5:cached inside"
            cache.hit(1.minutes, "h", cacheHits = 3, upper = true) { outer() } shouldBe "6:cached inside"
            cache.early(1.minutes, "plain") { outer() } shouldBe "7:cached inside"
            cache.early(1.minutes, "plain") { outer() } shouldBe "7:cached inside"
        }
    }

    // The reference: cache.set_default_fail_exceptions(...), then failover/soft without exceptions use it.
    test("setDefaultFailExceptions is what soft and failover serve stale values for when they name none") {
        runTest {
            val time = TestTimeSource()
            val cache = virtualCache(time)
            cache.defaultFailExceptions shouldBe setOf(Exception::class)
            cache.setDefaultFailExceptions(IOException::class)
            cache.failover(1.minutes, "f") { "good" } shouldBe "good"
            cache.failover<String>(1.minutes, "f") { throw IOException("down") } shouldBe "good"
            shouldThrow<IllegalStateException> { cache.failover<String>(1.minutes, "f") { error("not a default") } }
            // A call that names its own exceptions keeps them.
            cache.failover<String>(1.minutes, "f", exceptions = setOf(IllegalStateException::class)) {
                error("named by the call")
            } shouldBe "good"
            shouldThrow<IOException> {
                cache.failover<String>(1.minutes, "f", exceptions = setOf(IllegalStateException::class)) {
                    throw IOException("not named by the call")
                }
            }
            cache.soft(1.minutes, "s", softTtl = 10.seconds) { "v1" } shouldBe "v1"
            time += 10.seconds
            cache.soft<String>(1.minutes, "s", softTtl = 10.seconds) { throw IOException("down") } shouldBe "v1"
            shouldThrow<IllegalStateException> {
                cache.soft<String>(
                    1.minutes,
                    "s",
                    softTtl = 10.seconds,
                ) { error("x") }
            }
            shouldThrow<IllegalArgumentException> { cache.setDefaultFailExceptions() }
        }
    }

    test("ping with a message echoes it while the backends answer, as the reference's ping(message) does") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            cache.ping("hello") shouldBe "hello"
            cache.ping("PING") shouldBe "PONG"
            val down = Cache("mem://?disable=1", TestTimeSource())
            down.ping("hello") shouldBe null
        }
    }

    test("hit serves cacheHits hits per load") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            val loads = AtomicInteger()
            val results = List(6) { cache.hit(1.minutes, "k", cacheHits = 2) { loads.incrementAndGet() } }
            results shouldBe listOf(1, 1, 1, 2, 2, 2)
        }
    }

    test("hit with updateAfter refreshes in the background at that hit") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            val loads = AtomicInteger()
            cache.hit(1.minutes, "k", cacheHits = 5, updateAfter = 2) { loads.incrementAndGet() } shouldBe 1
            cache.hit(1.minutes, "k", cacheHits = 5, updateAfter = 2) { loads.incrementAndGet() } shouldBe 1
            cache.hit(1.minutes, "k", cacheHits = 5, updateAfter = 2) { loads.incrementAndGet() } shouldBe 1
            runCurrent()
            loads.get() shouldBe 2
            cache.hit(1.minutes, "k", cacheHits = 5, updateAfter = 2) { loads.incrementAndGet() } shouldBe 2
        }
    }

    test("dynamic refreshes after the first hit of each value") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            val loads = AtomicInteger()
            cache.dynamic("k") { loads.incrementAndGet() } shouldBe 1
            cache.dynamic("k") { loads.incrementAndGet() } shouldBe 1
            runCurrent()
            cache.dynamic("k") { loads.incrementAndGet() } shouldBe 2
        }
    }

    test("locked without waiting lets one caller in and refuses the others") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            val inside = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val holder =
                async {
                    cache.locked(1.minutes, "job", wait = false) {
                        inside.complete(Unit)
                        release.await()
                    }
                }
            inside.await()
            shouldThrow<LockedError> { cache.locked(1.minutes, "job", wait = false) { } }
            release.complete(Unit)
            holder.await()
            cache.locked(1.minutes, "job", wait = false) { "free again" } shouldBe "free again"
        }
    }

    test("each strategy stores under its own prefix") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            cache.early(1.minutes, "k") { 1 }
            cache.soft(1.minutes, "k") { 2 }
            cache.failover(1.minutes, "k") { 3 }
            cache.hit(1.minutes, "k", cacheHits = 1) { 4 }
            cache.cached(1.minutes, "k") { 5 }
            listOf("early:k", "soft:k", "fail:k", "hit:k", "k").map { cache.get<Int>(it) } shouldBe
                listOf(1, 2, 3, 4, 5)
        }
    }

    test("early, soft, hit and dynamic share one load of a cold key unless protected is false") {
        runTest {
            val cache = virtualCache(TestTimeSource())
            val strategies: Map<String, suspend (Boolean, suspend () -> Int) -> Int> =
                mapOf(
                    "early" to { p, block -> cache.early(1.minutes, "e$p", protected = p) { block() } },
                    "soft" to { p, block -> cache.soft(1.minutes, "s$p", protected = p) { block() } },
                    "hit" to { p, block -> cache.hit(1.minutes, "h$p", cacheHits = 5, protected = p) { block() } },
                    "dynamic" to { p, block -> cache.dynamic("d$p", protected = p) { block() } },
                )
            for ((name, strategy) in strategies) {
                for (protected in listOf(true, false)) {
                    val loads = AtomicInteger()
                    val firstStarted = CompletableDeferred<Unit>()
                    val gate = CompletableDeferred<Unit>()
                    val block: suspend () -> Int = {
                        val n = loads.incrementAndGet()
                        firstStarted.complete(Unit)
                        gate.await()
                        n
                    }
                    val first = async { strategy(protected, block) }
                    firstStarted.await()
                    val second = async { strategy(protected, block) }
                    runCurrent()
                    // A shared load has started once; an unprotected second caller has started its own by now.
                    withClue("$name, protected = $protected") {
                        loads.get() shouldBe if (protected) 1 else 2
                        gate.complete(Unit)
                        listOf(first, second).awaitAll().toSet() shouldBe if (protected) setOf(1) else setOf(1, 2)
                    }
                }
            }
            SoftPolicy(1.minutes, protected = false).parameters()["protected"] shouldBe false
            FailoverPolicy(1.minutes).protected shouldBe false
        }
    }
})

class DefaultCacheStrategiesSpec : FunSpec({
    test("every strategy runs on the default cache") {
        runTest {
            Cache.Default.setup("mem://", prefix = "")
            try {
                cached("1h") { "derived" } shouldBe "derived"
                early(1.minutes, "e") { 1 } shouldBe 1
                soft(1.minutes, "s") { 2 } shouldBe 2
                failover(1.minutes, "f") { 3 } shouldBe 3
                hit(1.minutes, "h", cacheHits = 2) { 4 } shouldBe 4
                dynamic("d") { 5 } shouldBe 5
                locked(1.minutes, "l") { 6 } shouldBe 6
                Cache.Default.get<Int>("early:e") shouldBe 1
            } finally {
                Cache.Default.close()
            }
        }
    }
})

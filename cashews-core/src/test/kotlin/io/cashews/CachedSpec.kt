package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.completeWith
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

private class RequestId(
    val id: String,
) : AbstractCoroutineContextElement(RequestId) {
    companion object Key : CoroutineContext.Key<RequestId>
}

class CachedSpec : FunSpec({
    test("a hit returns the cached value without running the block") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            repeat(3) { cache.cached(1.hours, "k") { loads.incrementAndGet() } shouldBe 1 }
            loads.get() shouldBe 1
        }
    }

    test("single-flight: 10 000 concurrent callers of a cold key cause exactly one load") {
        val cache = Cache("mem://")
        val loads = AtomicInteger()
        val gate = CompletableDeferred<Unit>()
        val results =
            runBlocking(Dispatchers.Default) {
                val callers =
                    List(
                        10_000,
                    ) { async { cache.cached(1.hours, "cold") { loads.incrementAndGet().also { gate.await() } } } }
                gate.complete(Unit)
                callers.awaitAll()
            }
        loads.get() shouldBe 1
        results.toSet() shouldBe setOf(1)
    }

    test(
        "a failing load gives every waiter the loader's own exception, caches nothing, and the next call loads again",
    ) {
        runTest {
            val cache = Cache("mem://")
            val failure = IOException("backend down")
            val gate = CompletableDeferred<Unit>()
            val calls = AtomicInteger()
            val waiters =
                List(50) {
                    async {
                        runCatching {
                            cache.cached<String>(1.hours, "k") {
                                calls.incrementAndGet()
                                gate.await()
                                throw failure
                            }
                        }
                    }
                }
            runCurrent()
            gate.complete(Unit)
            val outcomes = waiters.awaitAll()
            calls.get() shouldBe 1
            outcomes.forEach { it.exceptionOrNull() shouldBeSameInstanceAs failure }
            cache.exists("k") shouldBe false
            cache.cached(1.hours, "k") { "recovered" } shouldBe "recovered"
        }
    }

    test("cancelling the first caller cancels neither the load nor the other waiters") {
        runTest {
            val cache = Cache("mem://")
            val gate = CompletableDeferred<Unit>()
            val first = async { cache.cached(1.hours, "k") { gate.await().let { "loaded" } } }
            runCurrent()
            val second = async { cache.cached(1.hours, "k") { "second load" } }
            runCurrent()
            first.cancelAndJoin()
            gate.complete(Unit)
            second.await() shouldBe "loaded"
            cache.get<String>("k") shouldBe "loaded"
        }
    }

    test("cancelling every waiter cancels the load") {
        runTest {
            val cache = Cache("mem://")
            val started = CompletableDeferred<Unit>()
            val cancelled = CompletableDeferred<Unit>()
            val caller =
                launch {
                    cache.cached(1.hours, "k") {
                        started.complete(Unit)
                        try {
                            CompletableDeferred<String>().await()
                        } finally {
                            cancelled.complete(Unit)
                        }
                    }
                }
            started.await()
            caller.cancelAndJoin()
            withContext(Dispatchers.Default) { cancelled.await() }
            cache.exists("k") shouldBe false
        }
    }

    test("a load that asks for its own key fails fast instead of deadlocking") {
        runTest {
            val cache = Cache("mem://")
            val error =
                shouldThrow<ReentrantLoadError> {
                    cache.cached(1.hours, "loop") { cache.cached(1.hours, "loop") { "inner" } }
                }
            error.message shouldContain "'loop'"
        }
    }

    test("a coroutine started by a loader may use the key once the load is over") {
        runTest {
            val cache = Cache("mem://")
            val loadDone = CompletableDeferred<Unit>()
            val later = CompletableDeferred<String>()
            cache.cached(1.hours, "k") {
                // Started inside the load, with the load's context, but asking only after the load has finished.
                kotlinx.coroutines.CoroutineScope(currentCoroutineContext() + kotlinx.coroutines.Job()).launch {
                    loadDone.await()
                    later.completeWith(runCatching { cache.cached(1.hours, "k") { "reloaded" } })
                }
                "first"
            }
            cache.delete("k") // so the late call misses and has to load, passing the re-entrancy check
            loadDone.complete(Unit)
            later.await() shouldBe "reloaded"
        }
    }

    test("a delete while the load runs is not overwritten by the load's result") {
        runTest {
            val cache = Cache("mem://")
            val gate = CompletableDeferred<Unit>()
            val load = async { cache.cached(1.hours, "k") { gate.await().let { "stale" } } }
            runCurrent()
            cache.delete("k")
            gate.complete(Unit)
            load.await() shouldBe "stale"
            cache.exists("k") shouldBe false
        }
    }

    test("deleteMatch and clear also stop in-flight loads from storing") {
        runTest {
            val cache = Cache("mem://")
            val gate = CompletableDeferred<Unit>()
            val a = async { cache.cached(1.hours, "user:1") { gate.await().let { "a" } } }
            val b = async { cache.cached(1.hours, "order:1") { gate.await().let { "b" } } }
            runCurrent()
            cache.deleteMatch("user:*")
            gate.complete(Unit)
            a.await()
            b.await()
            cache.exists("user:1") shouldBe false
            cache.exists("order:1") shouldBe true
        }
    }

    test("the load sees the caller's context elements") {
        runTest {
            val cache = Cache("mem://")
            val seen =
                withContext(RequestId("req-42")) {
                    cache.cached(1.hours, "k") { currentCoroutineContext()[RequestId]?.id }
                }
            seen shouldBe "req-42"
        }
    }

    test("null is cached by default; NotNull skips it") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            repeat(2) { cache.cached<String?>(1.hours, "n") { loads.incrementAndGet().let { null } } shouldBe null }
            loads.get() shouldBe 1
            repeat(
                2,
            ) { cache.cached<String?>(1.hours, "m", CacheCondition.NotNull) { loads.incrementAndGet().let { null } } }
            loads.get() shouldBe 3
        }
    }

    test("exceptions are not cached by default") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            repeat(2) {
                runCatching {
                    cache.cached<String>(1.hours, "k") {
                        calls.incrementAndGet()
                        throw IOException("x")
                    }
                }
            }
            calls.get() shouldBe 2
        }
    }

    test("withExceptions caches a failure for its own ttl and replays the same exception") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val condition = CacheCondition.withExceptions(IOException::class, ttl = 1.minutes)
            val failure = IOException("not found")
            val calls = AtomicInteger()
            repeat(3) {
                shouldThrow<IOException> {
                    cache.cached<String>(1.hours, "k", condition) {
                        calls.incrementAndGet()
                        throw failure
                    }
                } shouldBeSameInstanceAs failure
            }
            calls.get() shouldBe 1
            time += 1.minutes
            cache.cached(1.hours, "k", condition) { "found" } shouldBe "found"
        }
    }

    test("onlyExceptions caches failures but not values; other exception types are not cached") {
        runTest {
            val cache = Cache("mem://")
            val condition = CacheCondition.onlyExceptions(IOException::class)
            val calls = AtomicInteger()
            repeat(2) { cache.cached(1.hours, "v", condition) { calls.incrementAndGet() } }
            calls.get() shouldBe 2
            repeat(2) {
                runCatching {
                    cache.cached<Int>(1.hours, "e", condition) {
                        calls.incrementAndGet()
                        throw IllegalStateException()
                    }
                }
            }
            calls.get() shouldBe 4
        }
    }

    test("a cached exception replays from a byte backend as the same type and message") {
        runTest {
            val cache = Cache("mem://?codec=json")
            val condition = CacheCondition.withExceptions(IOException::class)
            runCatching { cache.cached<String>(1.hours, "k", condition) { throw IOException("gone") } }
            val replayed = shouldThrow<IOException> { cache.cached<String>(1.hours, "k", condition) { "never" } }
            replayed.message shouldBe "gone"
        }
    }

    test("a custom condition and timeCondition must both pass") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val even = CacheCondition.of { value: Int, _ -> value % 2 == 0 }

            suspend fun load(key: String, value: Int, takes: kotlin.time.Duration) =
                cache.cached(1.hours, key, even, timeCondition = 100.milliseconds) {
                    time += takes
                    value
                }
            load("fast-even", 2, 10.milliseconds)
            load("slow-even", 4, 200.milliseconds)
            load("slow-odd", 3, 200.milliseconds)
            cache.exists("fast-even") shouldBe false
            cache.exists("slow-even") shouldBe true
            cache.exists("slow-odd") shouldBe false
        }
    }

    test("the ttl can come from the value, from a string, and from a Duration") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.cached(ttl = { token: Pair<String, Int> -> token.second.seconds }, key = "token") { "abc" to 30 }
            cache.cached("10s", "s") { "string" }
            cache.cached(20.seconds, "d") { "duration" }
            cache.ttl("token") shouldBe KeyTtl.Expiring(30.seconds)
            cache.ttl("s") shouldBe KeyTtl.Expiring(10.seconds)
            cache.ttl("d") shouldBe KeyTtl.Expiring(20.seconds)
            shouldThrow<InvalidTtlError> { cache.cached("1h30", "bad") { 1 } }
        }
    }

    test("jitter shortens each ttl by at most its fraction") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            repeat(50) { i -> cache.cached(100.seconds, "j$i", jitter = 0.2) { i } }
            repeat(50) { i ->
                val remaining = (cache.ttl("j$i") as KeyTtl.Expiring).remaining
                (remaining > 80.seconds && remaining <= 100.seconds) shouldBe true
            }
            shouldThrow<IllegalArgumentException> { cache.cached(1.seconds, "x", jitter = 1.0) { 1 } }
        }
    }

    test("a prefix keeps strategies apart") {
        runTest {
            val cache = Cache("mem://")
            cache.cached(1.hours, "k", prefix = "v2") { "new" }
            cache.get<String>("v2:k") shouldBe "new"
            cache.exists("k") shouldBe false
        }
    }

    test("lock extends single-flight across processes sharing a backend") {
        runTest {
            val shared = MemoryBackend()
            val caches = List(3) { Cache(testScheduler.timeSource).apply { setup(shared) } }
            val loads = AtomicInteger()
            val results =
                caches
                    .map { cache ->
                        async {
                            cache.cached(1.hours, "k", lock = true, protected = false) {
                                delay(500.milliseconds)
                                loads.incrementAndGet()
                            }
                        }
                    }.awaitAll()
            loads.get() shouldBe 1
            results shouldBe listOf(1, 1, 1)
        }
    }

    test("the default cache serves the top-level cached function") {
        runTest {
            Cache.Default.setup("mem://", prefix = "cached-spec:")
            cached(1.hours, "cached-spec:k") { "default" } shouldBe "default"
            Cache.Default.get<String>("cached-spec:k") shouldBe "default"
            Cache.Default.close()
        }
    }
})

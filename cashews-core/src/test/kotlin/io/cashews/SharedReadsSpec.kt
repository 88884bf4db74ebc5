package io.cashews

import io.cashews.test.FaultyBackend
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours

/** What each event was (`hit`, `miss`, `load`, `put`…), in order. */
private fun RecordingListener.kinds(): List<String> = events.map { it.substringBefore(' ') }

/**
 * A cache over a backend outside its memory (as Redis or disk are, for the cache), whose reads a test holds with
 * [FaultyBackend.hold] and counts as they arrive.
 */
private suspend fun gatedCache(): Pair<Cache, FaultyBackend> {
    val backend = FaultyBackend()
    val cache = Cache()
    cache.setup(backend)
    return cache to backend
}

class SharedReadsSpec : FunSpec({
    test("concurrent callers of a stored key share one backend read, and each hears its own hit") {
        runTest {
            val (cache, backend) = gatedCache()
            val listener = RecordingListener()
            cache.addListener(listener)
            cache.set("k", "stored")
            val gate = backend.hold(Command.GET)
            val loads = AtomicInteger()
            val callers = List(50) { async { cache.cached(1.hours, "k") { "loaded ${loads.incrementAndGet()}" } } }
            runCurrent()
            gate.arrived shouldBe 1
            gate.release()
            callers.awaitAll().toSet() shouldBe setOf("stored")
            loads.get() shouldBe 0
            listener.kinds() shouldBe List(50) { "hit" }
        }
    }

    test(
        "concurrent callers of a missing key share one read and one load; each reports a miss, the first before the load",
    ) {
        runTest {
            val (cache, backend) = gatedCache()
            val listener = RecordingListener()
            cache.addListener(listener)
            val gate = backend.hold(Command.GET)
            val loads = AtomicInteger()
            val callers = List(50) { async { cache.cached(1.hours, "k") { "loaded ${loads.incrementAndGet()}" } } }
            runCurrent()
            gate.release()
            callers.awaitAll().toSet() shouldBe setOf("loaded 1")
            gate.arrived shouldBe 1
            loads.get() shouldBe 1
            listener.kinds().take(3) shouldContainExactly listOf("miss", "load", "put")
            listener.kinds().count { it == "miss" } shouldBe 50
            listener.kinds().count { it == "hit" } shouldBe 0
        }
    }

    test("a cached failure read once is thrown to every caller as one object, with neither hit nor miss") {
        runTest {
            val (cache, backend) = gatedCache()
            val condition = CacheCondition.withExceptions(IOException::class)
            shouldThrow<IOException> { cache.cached<String>(1.hours, "k", condition) { throw IOException("gone") } }
            val listener = RecordingListener()
            cache.addListener(listener)
            val gate = backend.hold(Command.GET)
            val callers =
                List(20) { async { runCatching { cache.cached<String>(1.hours, "k", condition) { "never" } } } }
            runCurrent()
            gate.release()
            val failures = callers.awaitAll().map { it.exceptionOrNull()!! }
            failures.first().message shouldBe "gone"
            failures.forEach { it shouldBeSameInstanceAs failures.first() }
            gate.arrived shouldBe 1
            listener.kinds() shouldBe emptyList()
        }
    }

    test(
        "a caller cancelled during a shared read leaves the others their answer; cancelling them all cancels the read",
    ) {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = backend.hold(Command.GET)
            val first = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            val second = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            first.cancelAndJoin()
            gate.release()
            second.await() shouldBe "stored"
            gate.arrived shouldBe 1

            val held = backend.hold(Command.GET)
            val callers = List(3) { launch { cache.cached<String>(1.hours, "k") { "loaded" } } }
            runCurrent()
            callers.forEach { it.cancelAndJoin() }
            withContext(Dispatchers.Default) { held.awaitCancellations(1) }
        }
    }

    test("a caller in a detect block sees the hit of a read another caller started") {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = backend.hold(Command.GET)
            val leader = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            val detected = async { cache.detect { cache.cached(1.hours, "k") { "loaded" } } }
            runCurrent()
            gate.release()
            leader.await() shouldBe "stored"
            detected.await().hits.map { it.key } shouldBe listOf("k")
            gate.arrived shouldBe 1
        }
    }

    test("callers with their own context (a transaction) or without single-flight read for themselves") {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = backend.hold(Command.GET)
            val unprotected = List(3) { async { cache.cached(1.hours, "k", protected = false) { "loaded" } } }
            runCurrent()
            gate.arrived shouldBe 3
            val inTransaction = List(2) { async { cache.transaction { cache.cached(1.hours, "k") { "loaded" } } } }
            runCurrent()
            gate.arrived shouldBe 5
            gate.release()
            (unprotected + inTransaction).awaitAll().toSet() shouldBe setOf("stored")
        }
    }
})

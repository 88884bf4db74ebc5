package io.cashews

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

/**
 * A backend outside the cache's memory (as Redis or disk are, for the cache) whose reads are counted and wait for
 * [gate] while it is closed.
 */
private class GatedReads(
    private val delegate: MemoryBackend = MemoryBackend(),
) : Backend by delegate {
    val reads = AtomicInteger()

    @Volatile
    var gate: CompletableDeferred<Unit>? = null

    /** Completed when a read waiting at the gate is cancelled. */
    val readCancelled = CompletableDeferred<Unit>()

    override suspend fun get(key: String): Any? {
        reads.incrementAndGet()
        try {
            gate?.await()
        } catch (e: CancellationException) {
            readCancelled.complete(Unit)
            throw e
        }
        return delegate.get(key)
    }

    override fun toString(): String = "GatedReads"
}

/** What each event was (`hit`, `miss`, `load`, `put`…), in order. */
private fun RecordingListener.kinds(): List<String> = events.map { it.substringBefore(' ') }

private suspend fun gatedCache(): Pair<Cache, GatedReads> {
    val backend = GatedReads()
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
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val loads = AtomicInteger()
            val callers = List(50) { async { cache.cached(1.hours, "k") { "loaded ${loads.incrementAndGet()}" } } }
            runCurrent()
            backend.reads.get() shouldBe 1
            gate.complete(Unit)
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
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val loads = AtomicInteger()
            val callers = List(50) { async { cache.cached(1.hours, "k") { "loaded ${loads.incrementAndGet()}" } } }
            runCurrent()
            gate.complete(Unit)
            callers.awaitAll().toSet() shouldBe setOf("loaded 1")
            backend.reads.get() shouldBe 1
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
            backend.reads.set(0)
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val callers =
                List(20) { async { runCatching { cache.cached<String>(1.hours, "k", condition) { "never" } } } }
            runCurrent()
            gate.complete(Unit)
            val failures = callers.awaitAll().map { it.exceptionOrNull()!! }
            failures.first().message shouldBe "gone"
            failures.forEach { it shouldBeSameInstanceAs failures.first() }
            backend.reads.get() shouldBe 1
            listener.kinds() shouldBe emptyList()
        }
    }

    test(
        "a caller cancelled during a shared read leaves the others their answer; cancelling them all cancels the read",
    ) {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val first = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            val second = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            first.cancelAndJoin()
            gate.complete(Unit)
            second.await() shouldBe "stored"
            backend.reads.get() shouldBe 1

            backend.gate = CompletableDeferred()
            val callers = List(3) { launch { cache.cached<String>(1.hours, "k") { "loaded" } } }
            runCurrent()
            callers.forEach { it.cancelAndJoin() }
            withContext(Dispatchers.Default) { backend.readCancelled.await() }
        }
    }

    test("a caller in a detect block sees the hit of a read another caller started") {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val leader = async { cache.cached(1.hours, "k") { "loaded" } }
            runCurrent()
            val detected = async { cache.detect { cache.cached(1.hours, "k") { "loaded" } } }
            runCurrent()
            gate.complete(Unit)
            leader.await() shouldBe "stored"
            detected.await().hits.map { it.key } shouldBe listOf("k")
            backend.reads.get() shouldBe 1
        }
    }

    test("callers with their own context (a transaction) or without single-flight read for themselves") {
        runTest {
            val (cache, backend) = gatedCache()
            cache.set("k", "stored")
            val gate = CompletableDeferred<Unit>().also { backend.gate = it }
            val unprotected = List(3) { async { cache.cached(1.hours, "k", protected = false) { "loaded" } } }
            runCurrent()
            backend.reads.get() shouldBe 3
            val inTransaction = List(2) { async { cache.transaction { cache.cached(1.hours, "k") { "loaded" } } } }
            runCurrent()
            backend.reads.get() shouldBe 5
            gate.complete(Unit)
            (unprotected + inTransaction).awaitAll().toSet() shouldBe setOf("stored")
        }
    }
})

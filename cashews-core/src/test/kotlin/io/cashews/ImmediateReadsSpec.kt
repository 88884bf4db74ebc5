package io.cashews

import io.cashews.test.ForwardingBackend
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours

/** An in-memory backend of one's own: reads without suspending, and counts the reads that go the suspending way. */
private class OwnMemoryBackend(
    private val memory: MemoryBackend = MemoryBackend(),
) : ForwardingBackend(memory),
    ImmediateReadBackend {
    val suspendingReads = AtomicInteger()

    override fun getNow(key: String): Any? = memory.getNow(key)

    override suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R {
        if (command == Command.GET) suspendingReads.incrementAndGet()
        return call()
    }
}

class ImmediateReadsSpec : FunSpec({
    test("any backend that reads without suspending gets the hit path, not only the bundled memory backend") {
        runTest {
            val backend = OwnMemoryBackend()
            val cache = Cache()
            cache.setup(backend)
            cache.set("k", "stored")
            repeat(100) { cache.cached(1.hours, "k") { "loaded" } shouldBe "stored" }
            cache.get<String>("k") shouldBe "stored"
            backend.suspendingReads.get() shouldBe 0
        }
    }

    test("concurrent callers on such a backend each read it directly rather than share a read") {
        runTest {
            val backend = OwnMemoryBackend()
            val cache = Cache()
            cache.setup(backend)
            cache.set("k", "stored")
            List(20) { async { cache.cached(1.hours, "k") { "loaded" } } }.awaitAll().toSet() shouldBe setOf("stored")
            backend.suspendingReads.get() shouldBe 0
        }
    }

    test("a backend without the capability is read the suspending way") {
        runTest {
            val backend = io.cashews.test.RecordingBackend()
            val cache = Cache()
            cache.setup(backend)
            cache.set("k", "stored")
            cache.cached(1.hours, "k") { "loaded" } shouldBe "stored"
            backend.count(Command.GET) shouldBe 1
        }
    }
})

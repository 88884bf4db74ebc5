package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class FlowCachingSpec : FunSpec({
    fun counted(calls: AtomicInteger, vararg elements: Any?): Flow<Any?> =
        flow {
            calls.incrementAndGet()
            elements.forEach { emit(it) }
        }

    test("a completed flow is replayed in order without calling upstream") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            val source =
                flow {
                    calls.incrementAndGet()
                    emit("a")
                    emit("b")
                    emit("c")
                }
            source.cached(cache, "abc", 1.minutes).toList() shouldBe listOf("a", "b", "c")
            source.cached(cache, "abc", 1.minutes).toList() shouldBe listOf("a", "b", "c")
            calls.get() shouldBe 1
        }
    }

    test("null, zero and empty strings are elements, not terminators") {
        runTest {
            val cache = Cache("mem://?codec=json")
            val calls = AtomicInteger()
            val strings =
                flow {
                    calls.incrementAndGet()
                    listOf("a", null, "", "0", "after").forEach { emit(it) }
                }
            val numbers =
                flow {
                    calls.incrementAndGet()
                    listOf(1L, 0L, null, -1L).forEach { emit(it) }
                }
            repeat(2) {
                strings.cached(cache, "s", 1.minutes).toList() shouldBe listOf("a", null, "", "0", "after")
                numbers.cached(cache, "n", 1.minutes).toList() shouldBe listOf(1L, 0L, null, -1L)
            }
            calls.get() shouldBe 2
        }
    }

    test("an empty flow is recorded too") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            repeat(2) { counted(calls).cached(cache, "empty", 1.minutes).toList() shouldBe emptyList() }
            calls.get() shouldBe 1
        }
    }

    test("a mid-stream error caches nothing by default") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            val failing =
                flow {
                    calls.incrementAndGet()
                    emit("a")
                    throw IOException("boom")
                }
            repeat(2) { shouldThrow<IOException> { failing.cached(cache, "f", 1.minutes).toList() } }
            calls.get() shouldBe 2
            cache.keysCount() shouldBe 0
        }
    }

    test("with an exception condition the error is replayed at its position") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            val failing =
                flow {
                    calls.incrementAndGet()
                    emit("a")
                    emit("b")
                    throw IOException("boom")
                }
            val condition = CacheCondition.withExceptions(IOException::class)
            repeat(2) {
                val seen = mutableListOf<String>()
                shouldThrow<IOException> { failing.cached(cache, "f", 1.minutes, condition).collect { seen += it } }
                seen shouldBe listOf("a", "b")
            }
            calls.get() shouldBe 1
        }
    }

    test("a collector that stops early or fails leaves nothing cached") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            val source =
                flow {
                    calls.incrementAndGet()
                    emit(1)
                    emit(2)
                    emit(3)
                }
            source.cached(cache, "f", 1.minutes, CacheCondition.withExceptions()).take(2).toList() shouldBe listOf(1, 2)
            runCatching {
                source.cached(cache, "f", 1.minutes, CacheCondition.withExceptions()).collect {
                    if (it == 2) throw IllegalStateException("collector")
                }
            }
            cache.keysCount() shouldBe 0
            source.cached(cache, "f", 1.minutes).toList() shouldBe listOf(1, 2, 3)
            calls.get() shouldBe 3
        }
    }

    test("an element the condition rejects keeps the whole flow out of the cache") {
        runTest {
            val cache = Cache("mem://")
            val calls = AtomicInteger()
            val source =
                flow {
                    calls.incrementAndGet()
                    emit(1)
                    emit(2)
                }
            val odd = CacheCondition.of { value: Int, _ -> value % 2 == 1 }
            repeat(2) { source.cached(cache, "f", 1.minutes, odd).toList() shouldBe listOf(1, 2) }
            calls.get() shouldBe 2
        }
    }

    test("a recording expires as a whole, and a partly evicted one is collected again") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val calls = AtomicInteger()
            val source = flowOf("x", "y")
            counted(calls, "x", "y").cached(cache, "f", 10.seconds).toList()
            time += 10.seconds
            counted(calls, "x", "y").cached(cache, "f", 10.seconds).toList() shouldBe listOf("x", "y")
            calls.get() shouldBe 2
            cache.delete("f:1")
            counted(calls, "x", "y").cached(cache, "f", 10.seconds).toList() shouldBe listOf("x", "y")
            calls.get() shouldBe 3
            source.cached(cache, "g", 10.seconds).toList() shouldBe listOf("x", "y")
        }
    }
})

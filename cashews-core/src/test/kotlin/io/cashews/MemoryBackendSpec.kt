package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class MemoryBackendSpec : FunSpec({
    test("an expired entry is removed when a read finds it") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(timeSource = time, checkInterval = null)
            backend.set("k", "v", 1.seconds, SetCondition.ALWAYS)
            time += 1.seconds
            backend.storedCount() shouldBe 1
            backend.get("k") shouldBe null
            backend.storedCount() shouldBe 0
        }
    }

    test("the sweep removes expired entries nobody reads and keeps the rest") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(timeSource = time, checkInterval = null)
            repeat(5) { backend.set("short:$it", "v", 1.seconds, SetCondition.ALWAYS) }
            backend.set("long", "v", 1.seconds + 1.milliseconds, SetCondition.ALWAYS)
            backend.set("forever", "v", null, SetCondition.ALWAYS)
            time += 1.seconds
            backend.sweep()
            backend.storedCount() shouldBe 2
            backend.get("long") shouldBe "v"
            backend.get("forever") shouldBe "v"
        }
    }

    // aquiche: "Expired items can be removed from the cache with the use of remove_expired()".
    test("removeExpired sweeps on demand, through the cache and through a handle") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://?check_interval=0", time)
            repeat(3) { cache.set("short:$it", "v", 1.seconds) }
            cache.set("forever", "v")
            time += 1.seconds
            cache.removeExpired() shouldBe 3
            cache.removeExpired() shouldBe 0
            val square = cache.function<Int, Int>(ttl = "1s", key = "square:{n}") { n -> n * n }
            square(3) shouldBe 9
            square(4) shouldBe 16
            time += 1.seconds
            square.removeExpired() shouldBe 2
            cache.get<String>("forever") shouldBe "v"
            cache.close()
        }
    }

    test("size bounds the entries, whatever their ttl") {
        runTest {
            val backend = MemoryBackend(size = 50, checkInterval = null)
            repeat(1000) { backend.set("k$it", it.toLong(), if (it % 2 == 0) 1.seconds else null, SetCondition.ALWAYS) }
            backend.keysCount() shouldBeLessThanOrEqual 50
        }
    }

    test("a value without a ttl is returned as the very object stored") {
        runTest {
            val backend = MemoryBackend(checkInterval = null)
            val value = listOf("a")
            backend.set("k", value, null, SetCondition.ALWAYS)
            (backend.get("k") === value) shouldBe true
        }
    }
})

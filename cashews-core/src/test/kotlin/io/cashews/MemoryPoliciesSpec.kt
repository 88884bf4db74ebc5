package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.util.Collections
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/** Records what a [RemovalListener] is told. */
private class Removals : RemovalListener {
    val seen: MutableList<Triple<String, Any?, RemovalReason>> = Collections.synchronizedList(ArrayList())

    override fun onRemoval(key: String, value: Any?, reason: RemovalReason) {
        seen += Triple(key, value, reason)
    }
}

class MemoryPoliciesSpec : FunSpec({
    test("idle TTL: an entry read within the idle time stays; one left alone for it expires, beside its own TTL") {
        runTest {
            val time = TestTimeSource()
            val cache =
                Cache(
                    time,
                ).apply { setup(MemoryBackend(idleTtl = 1.minutes, timeSource = time, checkInterval = null)) }
            cache.set("read", "r")
            cache.set("idle", "i")
            cache.set("short", "s", ttl = 30.seconds)
            repeat(3) {
                time += 50.seconds
                cache.get<String>("read") shouldBe "r" // each read restarts its idle time
            }
            cache.get<String>("idle") shouldBe null
            cache.get<String>("short") shouldBe null // its own TTL ran out first
            time += 61.seconds
            cache.get<String>("read") shouldBe null
        }
    }

    test("max bytes: entries are bounded by weight, and a removal listener hears each reason") {
        runTest {
            val time = TestTimeSource()
            val removals = Removals()
            val backend =
                MemoryBackend(maxBytes = 10_000, timeSource = time, checkInterval = null, removalListener = removals)
            val cache = Cache(time).apply { setup(backend) }
            val text = "x".repeat(1_000)
            repeat(30) { cache.set("big:$it", text) }
            cache.keysCount() shouldBeLessThanOrEqual 9 // 1 000 bytes + the key and entry overhead each
            removals.seen.count { it.third == RemovalReason.SIZE } shouldBe 30 - cache.keysCount().toInt()

            removals.seen.clear()
            cache.set("k", "first")
            cache.set("k", "second")
            cache.delete("k")
            cache.set("t", "timed", ttl = 10.seconds)
            time += 11.seconds
            cache.get<String>("t") shouldBe null
            removals.seen shouldContain Triple("k", "first", RemovalReason.REPLACED)
            removals.seen shouldContain Triple("k", "second", RemovalReason.EXPLICIT)
            removals.seen shouldContain Triple("t", "timed", RemovalReason.EXPIRED)
        }
    }

    test("a weigher of your own, and one that answers a negative weight is refused naming the key") {
        runTest {
            val weights = MemoryBackend(maxBytes = 100, weigher = { _, value -> (value as String).length * 10 })
            val cache = Cache().apply { setup(weights) }
            repeat(5) { cache.set("w:$it", "abc") } // 30 each: three fit
            cache.keysCount() shouldBeLessThanOrEqual 3
            val negative = Cache().apply { setup(MemoryBackend(maxBytes = 100, weigher = { _, _ -> -1 })) }
            shouldThrow<IllegalArgumentException> { negative.set("bad", "v") }.message shouldContain "'bad'"
        }
    }

    test("the default weight counts bytes exactly, strings as UTF-8, other objects as the default") {
        MemoryBackend.defaultWeight("k", ByteArray(100)) shouldBe 64 + 2 + 100
        MemoryBackend.defaultWeight("k", "é") shouldBe 64 + 2 + 2
        MemoryBackend.defaultWeight("k", listOf(1)) shouldBe 64 + 2 + MemoryBackend.DEFAULT_OBJECT_WEIGHT
    }

    test("soft values keep values readable until the collector needs their memory") {
        runTest {
            val cache = Cache("mem://?soft_values=true")
            cache.set("k", "v")
            cache.get<String>("k") shouldBe "v"
        }
    }

    test("setup URL: idle_ttl, max_bytes and soft_values, and bad values named") {
        runTest {
            val cache = Cache("mem://?idle_ttl=10m&max_bytes=64mb&soft_values=true")
            cache.set("k", "v")
            cache.get<String>("k") shouldBe "v"
            shouldThrow<SetupError> { Cache("mem://?max_bytes=lots") }.message shouldContain
                "'max_bytes' has value 'lots'"
            shouldThrow<SetupError> { Cache("mem://?max_bytes=0") }.message shouldContain "max_bytes"
            shouldThrow<SetupError> { Cache("mem://?idle_ttl=soon") }.message shouldContain "idle_ttl"
            shouldThrow<IllegalArgumentException> { MemoryBackend(idleTtl = (-1).seconds) }.message shouldContain "-1s"
        }
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.TestTimeSource

class DoorKeeperSpec : FunSpec({
    test("a key's first load is returned, not stored; its second load is stored and then served") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val doorKeeper = DoorKeeper(1_000)
            val loads = AtomicInteger()

            suspend fun user(id: Int) =
                cache.cached(1.hours, "user:$id", doorKeeper = doorKeeper) {
                    "u$id#${loads.incrementAndGet()}"
                }
            user(1) shouldBe "u1#1"
            cache.exists("user:1") shouldBe false
            user(1) shouldBe "u1#2"
            cache.exists("user:1") shouldBe true
            user(1) shouldBe "u1#2"
            // One-hit wonders never take a slot.
            for (id in 2..50) user(id)
            cache.keysCount() shouldBe 1
        }
    }

    test("every strategy's policy takes one; failures are admitted the same way; policies may share it") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val doorKeeper = DoorKeeper(1_000)
            val soft = SoftPolicy(1.hours, KeyTemplate.of("rates:{c}"), doorKeeper = doorKeeper)
            cache.withPolicy(soft, mapOf("c" to "eur")) { 1.08 }
            cache.exists("soft:rates:eur") shouldBe false
            cache.withPolicy(soft, mapOf("c" to "eur")) { 1.09 }
            cache.exists("soft:rates:eur") shouldBe true

            val condition = CacheCondition.withExceptions(IOException::class)
            val failing =
                CachedPolicy(
                    TtlRule.Fixed(1.hours),
                    KeyTemplate.of("geo:{ip}"),
                    condition = condition,
                    doorKeeper = doorKeeper,
                )
            repeat(
                2,
            ) {
                runCatching {
                    cache.withPolicy<String>(
                        failing,
                        mapOf("ip" to "1.2.3.4"),
                    ) { throw IOException("down") }
                }
            }
            cache.exists("geo:1.2.3.4") shouldBe true
            soft.parameters()["doorKeeper"] shouldBe doorKeeper
        }
    }

    test("after capacity keys the filter starts again, and its false-positive rate stays within what was asked") {
        val large = DoorKeeper(10_000, falsePositives = 0.01)
        val firstSeen = (0 until 9_999).count { large.admit("k$it") }
        (firstSeen / 9_999.0) shouldBeLessThan 0.01

        val small = DoorKeeper(3, falsePositives = 0.0001)
        small.admit("a") shouldBe false
        small.admit("b") shouldBe false
        small.admit("a") shouldBe true
        small.admit("c") shouldBe false // the third key recorded: the filter starts again
        small.admit("a") shouldBe false
        small.admit("a") shouldBe true
    }

    test("bad sizes are refused, naming the value") {
        shouldThrow<IllegalArgumentException> { DoorKeeper(0) }.message shouldContain "was 0"
        shouldThrow<IllegalArgumentException> { DoorKeeper(10, 1.5) }.message shouldContain "was 1.5"
    }
})

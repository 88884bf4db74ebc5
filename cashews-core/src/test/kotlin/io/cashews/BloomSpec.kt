package io.cashews

import io.cashews.internal.BloomHash
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.Arb
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.string
import io.kotest.property.checkAll
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicInteger

class BloomSpec : FunSpec({
    test("no false negatives, for any elements") {
        val cache = Cache("mem://")
        var round = 0
        checkAll(200, Arb.list(Arb.string(0..40), 1..50)) { elements ->
            val filter = cache.bloom("property:${round++}", capacity = 100, falsePositives = 0.01)
            for (element in elements) filter.add(element)
            for (element in elements) filter.mightContain(element) shouldBe true
        }
    }

    test("the measured false-positive rate on 100 000 inputs is within the configured rate") {
        runTest {
            for (rate in listOf(0.01, 0.001)) {
                val cache = Cache("mem://")
                val filter = cache.bloom("users", capacity = 100_000, falsePositives = rate)
                for (i in 0 until 100_000) filter.add("user-$i@example.com")
                var falsePositives = 0
                for (i in 100_000 until 200_000) if (filter.mightContain("user-$i@example.com")) falsePositives++
                (falsePositives / 100_000.0) shouldBeLessThanOrEqual rate
            }
        }
    }

    test("sized by the standard formulas, rounded up to keep the expected rate under the target") {
        val (bits, hashes) = BloomHash.size(100, 0.01)
        hashes shouldBe 7
        (bits >= 959) shouldBe true // -100·ln 0.01 / (ln 2)² = 958.5
        (BloomHash.expectedRate(bits, hashes, 100) <= 0.01) shouldBe true
    }

    test("bit positions do not depend on the platform: fixed for a fixed element") {
        BloomHash.positions("cashews", 1_000, 3) shouldBe BloomHash.positions("cashews", 1_000, 3)
        BloomHash.positions("", 10, 4).all { it in 0 until 10 } shouldBe true
        // The layout is part of the stored format: changing it would make existing filters answer wrongly.
        BloomHash.positions("cashews", 1 shl 20, 4) shouldBe PINNED_POSITIONS
    }

    test("check calls the exact check only for elements that might have been added") {
        runTest {
            val cache = Cache("mem://")
            val filter = cache.bloom("numbers", capacity = 100, falsePositives = 0.01)
            for (i in 0..50) filter.set(i.toString()) { true }
            filter.set("never") { false } shouldBe false
            val exactChecks = AtomicInteger()
            val found =
                (0 until 100).count { i ->
                    filter.check(i.toString()) {
                        exactChecks.incrementAndGet() >= 0 &&
                            i <= 50
                    }
                }
            found shouldBe 51
            (exactChecks.get() in 51..52) shouldBe true // the added ones, and at most one false positive
            filter.mightContain("never") shouldBe false
        }
    }

    test("without checkFalsePositive, a probable member is answered true without the check") {
        runTest {
            val cache = Cache("mem://")
            val filter = cache.bloom("fast", capacity = 10, checkFalsePositive = false)
            filter.add("a")
            filter.check("a") { error("not called") } shouldBe true
        }
    }

    test("dual bloom learns both answers: repeated questions need no check") {
        runTest {
            val cache = Cache("mem://")
            val dual = cache.dualBloom("even", capacity = 1_000)
            val checks = AtomicInteger()
            repeat(2) {
                for (i in 0 until 100) {
                    dual.check(i.toString()) {
                        checks.incrementAndGet()
                        i % 2 == 0
                    } shouldBe (i % 2 == 0)
                }
            }
            checks.get() shouldBe 100
        }
    }

    test("dual bloom sizes each side on its own") {
        val cache = Cache("mem://")
        val dual =
            cache.dualBloom(
                "sides",
                capacity = 100,
                falsePositives = 0.01,
                noCapacity = 10_000,
                noFalsePositives = 0.001,
            )
        dual.yes.bits shouldBe cache.bloom("other", capacity = 100, falsePositives = 0.01).bits
        dual.no.bits shouldBe cache.bloom("other", capacity = 10_000, falsePositives = 0.001).bits
        (dual.no.bits > dual.yes.bits) shouldBe true
    }

    test("dual bloom with noCollisions records only elements whose bits are all clear") {
        runTest {
            for (noCollisions in listOf(false, true)) {
                val cache = Cache("mem://")
                val dual = cache.dualBloom("small", capacity = 2, falsePositives = 0.25, noCollisions = noCollisions)
                dual.check("a") { true } shouldBe true

                fun bitsOf(element: String) = BloomHash.positions(element, dual.yes.bits, dual.yes.hashes).toSet()
                val taken = bitsOf("a")
                // An element sharing some of a's bits but not all: neither filter claims it, so it is checked.
                val partial =
                    (0 until 1_000).map { "e$it" }.first { element ->
                        val bits = bitsOf(element)
                        bits.any { it in taken } && !taken.containsAll(bits)
                    }
                val checks = AtomicInteger()
                repeat(2) {
                    dual.check(partial) {
                        checks.incrementAndGet()
                        true
                    } shouldBe true
                }
                withClue("noCollisions = $noCollisions") { checks.get() shouldBe if (noCollisions) 2 else 1 }
            }
        }
    }

    test("bad sizes are refused with the value in the message") {
        val cache = Cache("mem://")
        shouldThrow<IllegalArgumentException> { cache.bloom("x", capacity = 0) }.message shouldContain "0"
        shouldThrow<IllegalArgumentException> { cache.bloom("x", 10, falsePositives = 1.0) }.message shouldContain "1.0"
    }
})

private val PINNED_POSITIONS = listOf(281008, 825776, 550195, 239579)

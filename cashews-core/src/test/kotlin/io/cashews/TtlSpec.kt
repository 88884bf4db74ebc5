package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.Arb
import io.kotest.property.arbitrary.element
import io.kotest.property.arbitrary.int
import io.kotest.property.arbitrary.list
import io.kotest.property.arbitrary.map
import io.kotest.property.checkAll
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class TtlSpec : FunSpec({
    test("unit groups add up") {
        Ttl.parse("1d2h3m50s") shouldBe 93830.seconds
        Ttl.parse("1m10s") shouldBe 70.seconds
        Ttl.parse("500ms") shouldBe 500.milliseconds
        Ttl.parse("1s500ms") shouldBe 1500.milliseconds
        Ttl.parse(" 5M ") shouldBe 5.minutes
        Ttl.parse("2D") shouldBe 2.days
    }

    test("plain digits are seconds") {
        Ttl.parse("80") shouldBe 80.seconds
    }

    test("ISO-8601 durations are accepted") {
        Ttl.parse("PT1H") shouldBe 1.hours
        Ttl.parse("P1DT2H") shouldBe 26.hours
        Ttl.parse("pt0.5s") shouldBe 500.milliseconds
    }

    test("malformed or non-positive TTLs are rejected with the input quoted") {
        for (bad in listOf(
            "1h30",
            "",
            "  ",
            "-5s",
            "0",
            "0s",
            "abc",
            "1x",
            "h",
            "1..5s",
            "1.s",
            "1h 30",
            "PT0S",
            "P",
            "PT",
            "P4Y",
            "P4M",
            "P4W",
            "1 fortnight",
            "15:30",
            "99999999999999999999s",
        )) {
            val error = shouldThrow<InvalidTtlError> { Ttl.parse(bad) }
            error.message shouldContain "'$bad'"
        }
    }

    // aquiche's README, literally: its duration strings and what they come to.
    test("aquiche's duration strings: long unit names, blanks, any order, fractions") {
        Ttl.parse("10minutes") shouldBe 10.minutes
        Ttl.parse("1 day 42 minutes 6 seconds") shouldBe 1.days + 42.minutes + 6.seconds
        Ttl.parse("1d42m6s") shouldBe 1.days + 42.minutes + 6.seconds
        Ttl.parse("1m") shouldBe 1.minutes
        Ttl.parse("30") shouldBe 30.seconds
        Ttl.parse("30.1") shouldBe 30.seconds + 100.milliseconds
        Ttl.parse("1m 10h 10s") shouldBe 36070.seconds
        Ttl.parse("1minute 10hour 10second") shouldBe 36070.seconds
        Ttl.parse("1minutes 10hours 10seconds") shouldBe 36070.seconds
        Ttl.parse("1 minutes 2 days 10 hours 10 seconds") shouldBe 208870.seconds
        Ttl.parse("1 m 2 d 10 h 10 s") shouldBe 208870.seconds
        Ttl.parse("1 minute 2 day 10 hours 10 seconds") shouldBe 208870.seconds
        Ttl.parse("1.5h") shouldBe 90.minutes
        Ttl.parse("2 weeks") shouldBe 14.days
        Ttl.parse("0.5") shouldBe 500.milliseconds
    }

    test("TTLs beyond the nanosecond range of a Duration are kept in milliseconds") {
        Ttl.parse("36500d") shouldBe 36500.days
        Ttl.parse("1000000000d") shouldBe 1_000_000_000.days
    }

    test("aquiche's ISO-8601 durations, fractions in any field") {
        Ttl.parse("P4D") shouldBe 4.days
        Ttl.parse("P0.5D") shouldBe 12.hours
        Ttl.parse("PT5H") shouldBe 5.hours
        Ttl.parse("PT5M") shouldBe 5.minutes
        Ttl.parse("PT5S") shouldBe 5.seconds
        Ttl.parse("PT0.000005S") shouldBe 5.microseconds
    }

    test("a number after a unit needs its own unit") {
        shouldThrow<InvalidTtlError> { Ttl.parse("1h30") }.message shouldContain "has no unit"
    }

    test("non-positive durations are rejected") {
        shouldThrow<InvalidTtlError> { Ttl.requirePositive(Duration.ZERO) }
        shouldThrow<InvalidTtlError> { Ttl.requirePositive((-1).seconds) }
        shouldThrow<InvalidTtlError> { Ttl.ofSeconds(0) }
        Ttl.ofSeconds(3) shouldBe 3.seconds
    }

    test("property: any sum of unit groups parses to its total") {
        val amount = Arb.int(0..500)
        checkAll(amount, amount, amount, amount, amount) { d, h, m, s, ms ->
            val expected = d.days + h.hours + m.minutes + s.seconds + ms.milliseconds
            val text = "${d}d${h}h${m}m${s}s${ms}ms"
            if (expected.isPositive()) {
                Ttl.parse(text) shouldBe expected
                Ttl.parse(text.uppercase()) shouldBe expected
                Ttl.parse(expected.toIsoString()) shouldBe expected
            } else {
                shouldThrow<InvalidTtlError> { Ttl.parse(text) }
            }
        }
    }

    test("property: any string parses to a positive TTL or fails with InvalidTtlError, never anything else") {
        val text = Arb.list(Arb.element("0123456789dhmsDHMSPTx.- ".toList()), 0..12).map { it.joinToString("") }
        checkAll(2000, text) { candidate ->
            val outcome = runCatching { Ttl.parse(candidate) }
            outcome.exceptionOrNull()?.let { it::class shouldBe InvalidTtlError::class }
            outcome.getOrNull()?.isPositive()?.shouldBe(true)
        }
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.delay
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.LocalTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

private fun at(text: String) = (Expiry.parse(text) as Expiry.At).instant

private fun daily(text: String) = Expiry.parse(text) as Expiry.DailyAt

class ExpirySpec : FunSpec({
    test("aquiche's date-time, date and time strings parse to a point in time or a time of day") {
        at("2012-04-23T09:15:00Z") shouldBe Instant.parse("2012-04-23T09:15:00Z")
        at("2012-04-23T09:15:00") shouldBe Instant.parse("2012-04-23T09:15:00Z")
        at("2012-4-9 4:8:16") shouldBe Instant.parse("2012-04-09T04:08:16Z")
        at("2012-4-9 4:8:16-0320") shouldBe Instant.parse("2012-04-09T07:28:16Z")
        at("2012-04-23T10:20:30.400+02:30") shouldBe Instant.parse("2012-04-23T07:50:30.400Z")
        at("2012-04-23T10:20:30.4-02") shouldBe Instant.parse("2012-04-23T12:20:30.400Z")
        at("2012-04-23") shouldBe Instant.parse("2012-04-23T00:00:00Z")
        at("2012-4-9") shouldBe Instant.parse("2012-04-09T00:00:00Z")
        (Expiry.parse("2012-04-23T09:15", ZoneId.of("Europe/Paris")) as Expiry.At).instant shouldBe
            Instant.parse("2012-04-23T07:15:00Z")

        daily("09:15:00").let { it.time to it.zone } shouldBe (LocalTime.of(9, 15) to ZoneOffset.UTC)
        daily("10:10").time shouldBe LocalTime.of(10, 10)
        daily("10:20:30.400").time shouldBe LocalTime.of(10, 20, 30, 400_000_000)
        daily("4:8:16").time shouldBe LocalTime.of(4, 8, 16)
        daily("11:05:00-05:30").zone shouldBe ZoneOffset.ofHoursMinutes(-5, -30)
        daily("11:05:00-0530").zone shouldBe ZoneOffset.ofHoursMinutes(-5, -30)
        daily("11:05:00Z").zone shouldBe ZoneOffset.UTC
        daily("11:05:00+00").zone shouldBe ZoneOffset.UTC
        daily("11:05-06").zone shouldBe ZoneOffset.ofHours(-6)
        daily("11:05+06").zone shouldBe ZoneOffset.ofHours(6)
        daily("15:30 Europe/Paris").let { it.time to it.zone } shouldBe
            (LocalTime.of(15, 30) to ZoneId.of("Europe/Paris"))
        (Expiry.parse("15:30", ZoneId.of("Asia/Tokyo")) as Expiry.DailyAt).zone shouldBe ZoneId.of("Asia/Tokyo")
    }

    test("durations in every form the TTL grammar reads are an expiry after them") {
        for ((text, ttl) in listOf(
            "10minutes" to 10.minutes,
            "1 day 42 minutes 6 seconds" to 1.days + 42.minutes + 6.seconds,
            "1m 10h 10s" to 36070.seconds,
            "P0.5D" to 12.hours,
            "90" to 90.seconds,
            "0.5" to 500.milliseconds,
        )) {
            (Expiry.parse(text) as Expiry.After).ttl shouldBe ttl
        }
    }

    test("a bad expiration fails naming the text and the forms it may take") {
        for (text in listOf("2012-13-40", "2012-02-30T10:00Z", "25:61", "15:30 Mars/Olympus", "soon", "", "-5s")) {
            val error = shouldThrow<InvalidTtlError> { Expiry.parse(text) }
            error.message shouldContain "expiration '$text' is not valid"
        }
        shouldThrow<InvalidTtlError> { Expiry.parse("soon") }.message shouldContain "a time of day"
        shouldThrow<InvalidTtlError> { Expiry.after(0.seconds) }
        shouldThrow<IllegalArgumentException> { Expiry.atEpochSecond(Double.NaN) }.message shouldContain "NaN"
    }

    test("epoch seconds, dates, local date-times and booleans name their expiry") {
        (Expiry.atEpochSecond(1494012444.883309) as Expiry.At).instant shouldBe
            Instant.parse("2017-05-05T19:27:24.883309Z")
        (Expiry.atEpochSecond(-1.5) as Expiry.At).instant shouldBe Instant.parse("1969-12-31T23:59:58.500Z")
        (Expiry.at(LocalDateTime.of(2017, 5, 5, 19, 27, 24)) as Expiry.At).instant shouldBe
            Instant.parse("2017-05-05T19:27:24Z")
        (Expiry.at(LocalDate.of(2012, 4, 23)) as Expiry.At).instant shouldBe Instant.parse("2012-04-23T00:00:00Z")
        Expiry.of(true) shouldBe Expiry.Expired
        Expiry.of(false) shouldBe Expiry.Never
    }

    test("a time of day expires at its next occurrence in its zone, across a daylight-saving change") {
        val noon = Instant.parse("2030-03-30T12:00:00Z")
        Expiry.dailyAt(LocalTime.of(15, 30)).ttlAt(noon) shouldBe 3.hours + 30.minutes
        Expiry.dailyAt(LocalTime.of(11, 0)).ttlAt(noon) shouldBe 23.hours
        Expiry.dailyAt(LocalTime.NOON).ttlAt(noon) shouldBe 24.hours
        // Midnight in Paris on the night clocks go forward: 02:30 does not exist and resolves to 03:30 CEST (01:30Z).
        val parisMidnight = Instant.parse("2030-03-30T23:00:00Z")
        Expiry.dailyAt(LocalTime.of(2, 30), ZoneId.of("Europe/Paris")).ttlAt(parisMidnight) shouldBe
            2.hours + 30.minutes
    }

    test("cached keeps a value until its expiry's point in time, on the cache's clock, and stores nothing past it") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val loads = AtomicInteger()
            val now = Instant.ofEpochMilli(cache.epochMillis())

            suspend fun call(expiry: Expiry) = cache.cached(expiry = expiry, key = "k") { loads.incrementAndGet() }
            call(Expiry.at(now.plusSeconds(10))) shouldBe 1
            time += 9.seconds
            call(Expiry.at(now.plusSeconds(10))) shouldBe 1
            time += 1.seconds
            call(Expiry.at(now.plusSeconds(10))) shouldBe 2
            // Already past: returned, not stored.
            cache.delete("k")
            call(Expiry.at(now)) shouldBe 3
            cache.exists("k") shouldBe false
            call(Expiry.Expired) shouldBe 4
            cache.exists("k") shouldBe false
            call(Expiry.Never) shouldBe 5
            cache.ttl("k") shouldBe KeyTtl.Persistent
            cache.close()
        }
    }

    test(
        "aquiche's expiration functions, ported: a suspending one answering a boolean, one answering a TTL or a date",
    ) {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val calls = AtomicInteger()

            // async def is_item_expired_async(item): return item.value > 1
            suspend fun cacheFunctionAsync1(value: String): Int =
                cache.cached(
                    expiry = { item: LoadedItem<Int> ->
                        delay(1)
                        Expiry.of(item.value!! > 1)
                    },
                    key = "async1:$value",
                ) {
                    calls.incrementAndGet()
                    value.length
                }
            cacheFunctionAsync1("a") shouldBe 1
            cacheFunctionAsync1("a") shouldBe 1
            cacheFunctionAsync1("abc") shouldBe 3
            cacheFunctionAsync1("abc") shouldBe 3
            calls.get() shouldBe 3
            cache.ttl("async1:a") shouldBe KeyTtl.Persistent

            // def is_item_expired(item): "10s" above 10, a past date-time above 5, else "1 day"
            val isItemExpired = { item: LoadedItem<Int> ->
                when {
                    item.value!! > 10 -> Expiry.parse("10s")
                    item.value > 5 -> Expiry.at(LocalDateTime.of(2017, 5, 5, 19, 27, 24))
                    else -> Expiry.parse("1 day")
                }
            }
            for ((value, ttl) in listOf(
                "short" to KeyTtl.Expiring(1.days),
                "mediums" to KeyTtl.Missing,
                "a long value" to KeyTtl.Expiring(10.seconds),
            )) {
                cache.cached(expiry = isItemExpired, key = "sync:$value") { value.length }
                cache.ttl("sync:$value") shouldBe ttl
            }
            cache.close()
        }
    }

    test("an expiration function sees a failure and when it was fetched, and is asked once per stored outcome") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            time += 5.seconds
            val seen = mutableListOf<LoadedItem<String>>()
            val expiry: suspend (LoadedItem<String>) -> Expiry = { item ->
                seen += item
                if (item.failed) Expiry.after(30.seconds) else Expiry.after(1.hours)
            }
            val condition = CacheCondition.withExceptions(IOException::class)
            val failure = IOException("down")
            shouldThrow<IOException> {
                cache.cached(expiry = expiry, key = "f", condition = condition) { throw failure }
            }
            // The stored failure is thrown again, without a second load or a second question.
            shouldThrow<IOException> { cache.cached(expiry = expiry, key = "f", condition = condition) { "never" } }
            cache.ttl("f") shouldBe KeyTtl.Expiring(30.seconds)
            seen.single().let {
                it.failed shouldBe true
                it.failure shouldBe failure
                it.value shouldBe null
                it.fetchedAt shouldBe Instant.ofEpochMilli(cache.epochMillis())
            }
            cache.close()
        }
    }

    test("a handle binds a policy whose TTL rule is an expiry") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val loads = AtomicInteger()
            val end = Instant.ofEpochMilli(cache.epochMillis()).plusSeconds(60)
            val report =
                cache.function(
                    CachedPolicy(TtlRule.Expires(Expiry.at(end)), KeyTemplate.of("report:{day}")),
                ) { day: Int ->
                    "report $day ${loads.incrementAndGet()}"
                }
            report(1) shouldBe "report 1 1"
            report(1) shouldBe "report 1 1"
            time += 60.seconds
            report(1) shouldBe "report 1 2"
            report.policy.toString() shouldContain "ttl=at $end"
            cache.close()
        }
    }
})

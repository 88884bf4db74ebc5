package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/**
 * Waits, at most 10 s, until the refresh running in the background has stored [expected] at [key] and finished: its
 * lease is released only after its load has left the single flight, which a later miss would otherwise join.
 */
@OptIn(InternalCacheApi::class)
private suspend fun Cache.awaitStored(key: String, expected: String) =
    withTimeout(10.seconds) {
        while (get<String>(key) != expected || exists(StrategyKeys.refresh(key))) yield()
    }

class RefreshAfterSpec : FunSpec({
    test("refresh_after: a value past that age is served at once while one refresh loads it again") {
        runBlocking(Dispatchers.Default) {
            val time = TestTimeSource()
            val cache = Cache("mem://?refresh_after=1m", time)
            val loads = AtomicInteger()

            suspend fun value(): String = cache.cached(1.hours, "k") { "v${loads.incrementAndGet()}" }
            value() shouldBe "v1"
            time += 30.seconds
            value() shouldBe "v1" // fresh: nothing loads
            loads.get() shouldBe 1
            time += 1.minutes
            value() shouldBe "v1" // past refresh_after: served, and refreshed behind it
            cache.awaitStored("k", "v2")
            value() shouldBe "v2"
            loads.get() shouldBe 2
            time += 2.hours
            value() shouldBe "v3" // past the TTL itself: loaded in the foreground
        }
    }

    test("handles refresh the same way; a TTL not longer than refresh_after, or from the value, never refreshes") {
        runBlocking(Dispatchers.Default) {
            val time = TestTimeSource()
            val cache = Cache("mem://?refresh_after=10m", time)
            val calls = AtomicInteger()
            val rates = cache.function(ttl = "1h", key = "rates:{c}") { c: String -> "$c ${calls.incrementAndGet()}" }
            rates("EUR") shouldBe "EUR 1"
            time += 11.minutes
            rates("EUR") shouldBe "EUR 1"
            cache.awaitStored("rates:EUR", "EUR 2")

            val short = AtomicInteger()
            cache.cached(5.minutes, "short") { short.incrementAndGet() } shouldBe 1
            time += 4.minutes
            cache.cached(5.minutes, "short") { short.incrementAndGet() } shouldBe 1
            short.get() shouldBe 1
        }
    }

    test("refresh_after=0 turns it off, and a bad value is refused naming it") {
        runBlocking {
            val cache = Cache("mem://?refresh_after=0")
            cache.cached(1.hours, "k") { 1 } shouldBe 1
            shouldThrow<SetupError> { Cache("mem://?refresh_after=often") }.message shouldContain "refresh_after"
        }
    }
})

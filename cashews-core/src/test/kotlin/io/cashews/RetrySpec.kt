package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class RetrySpec : FunSpec({
    test("a failed load is retried with exponential backoff until it succeeds") {
        runTest {
            val cache = Cache("mem://")
            val attempts = AtomicInteger()
            val retry = Retry(attempts = 4, initialDelay = 100.milliseconds, factor = 2.0, jitter = 0.0)
            val value =
                cache.cached(1.hours, "k", retry = retry) {
                    if (attempts.incrementAndGet() < 4) throw IOException("flaky")
                    "ok"
                }
            value shouldBe "ok"
            attempts.get() shouldBe 4
            currentTime shouldBe 100 + 200 + 400
        }
    }

    // aquiche: @alru_cache(negative_cache=True, retry_count=3, backoff_in_seconds=2). Its three retries are four
    // attempts here; its backoff doubles from backoff_in_seconds; negative_cache is a condition storing exceptions.
    test("aquiche's retry_count, backoff_in_seconds and negative_cache") {
        runTest {
            val cache = Cache("mem://")
            val aquiche = Retry(attempts = 1 + 3, initialDelay = 2.seconds, factor = 2.0, jitter = 0.0)
            val negativeCache = CacheCondition.withExceptions()
            val calls = AtomicInteger()

            suspend fun cacheFunction(value: String, failures: Int): Int =
                cache.cached(1.hours, "len:$value", condition = negativeCache, retry = aquiche) {
                    if (calls.incrementAndGet() <= failures) throw Exception("Doom has fallen upon us")
                    value.length
                }
            cacheFunction("flaky", failures = 2) shouldBe 5
            currentTime shouldBe 2_000 + 4_000
            calls.set(0)
            val start = currentTime
            val doom = shouldThrow<Exception> { cacheFunction("doomed", failures = Int.MAX_VALUE) }
            doom.message shouldBe "Doom has fallen upon us"
            calls.get() shouldBe 4
            currentTime - start shouldBe 2_000 + 4_000 + 8_000
            shouldThrow<Exception> { cacheFunction("doomed", failures = Int.MAX_VALUE) } shouldBeSameInstanceAs doom
            calls.get() shouldBe 4
        }
    }

    test("the last failure is thrown as it is once attempts run out, and unlisted failures are not retried") {
        runTest {
            val cache = Cache("mem://")
            val attempts = AtomicInteger()
            val last = IOException("still down")
            shouldThrow<IOException> {
                cache.cached<String>(1.hours, "k", retry = Retry(attempts = 3, jitter = 0.0)) {
                    attempts.incrementAndGet()
                    throw last
                }
            } shouldBeSameInstanceAs last
            attempts.get() shouldBe 3
            shouldThrow<IllegalStateException> {
                cache.cached<String>(1.hours, "j", retry = Retry(attempts = 3, on = setOf(IOException::class))) {
                    attempts.incrementAndGet()
                    error("not retried")
                }
            }
            attempts.get() shouldBe 4
        }
    }

    test("waiters share one retry loop") {
        runTest {
            val cache = Cache("mem://")
            val attempts = AtomicInteger()
            val results =
                List(20) {
                    async {
                        cache.cached(1.hours, "k", retry = Retry(attempts = 3, initialDelay = 1.seconds)) {
                            if (attempts.incrementAndGet() < 3) throw IOException("flaky")
                            "ok"
                        }
                    }
                }.awaitAll()
            results.toSet() shouldBe setOf("ok")
            attempts.get() shouldBe 3
        }
    }

    test("waits are capped and jittered within bounds") {
        runTest {
            val cache = Cache("mem://")
            val attempts = AtomicInteger()
            cache.soft(
                1.hours,
                "k",
                retry =
                    Retry(
                        attempts = 5,
                        initialDelay = 1.seconds,
                        factor = 10.0,
                        maxDelay = 2.seconds,
                        jitter = 0.5,
                    ),
            ) {
                if (attempts.incrementAndGet() < 5) throw IOException("flaky")
                "ok"
            } shouldBe "ok"
            (currentTime in 1_000L..(1_000L + 3 * 2_000L)) shouldBe true
            (currentTime >= 500L + 3 * 1_000L) shouldBe true
        }
    }

    test("bad retry settings are rejected with the value named") {
        shouldThrow<IllegalArgumentException> { Retry(attempts = 0) }
        shouldThrow<IllegalArgumentException> { Retry(factor = 0.5) }
        shouldThrow<IllegalArgumentException> { Retry(jitter = 1.0) }
    }
})

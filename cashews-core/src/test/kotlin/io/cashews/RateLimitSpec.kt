package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/** Whether one call under [limiter] passed. */
private suspend fun admitted(limiter: suspend (suspend () -> Unit) -> Unit): Boolean =
    try {
        limiter {}
        true
    } catch (e: RateLimitError) {
        false
    }

/** How many of 1 000 callers released at once on real threads [limiter] admits. */
private fun concurrentAdmissions(limiter: suspend (suspend () -> Unit) -> Unit): Int {
    val gate = CompletableDeferred<Unit>()
    return runBlocking(Dispatchers.Default) {
        val callers =
            List(1_000) {
                async {
                    gate.await()
                    admitted(limiter)
                }
            }
        gate.complete(Unit)
        callers.awaitAll().count { it }
    }
}

class RateLimitSpec : FunSpec({
    val urls = listOf("mem://", "mem://?secret=s3cr3t")

    context("fixed window: exactly the limit passes among 1 000 concurrent callers") {
        withTests(urls) { url ->
            val cache = Cache(url)
            concurrentAdmissions { call -> cache.rateLimit(100, 1.minutes, "hot") { call() } } shouldBe 100
        }
    }

    context("sliding window: exactly the limit passes among 1 000 concurrent callers") {
        withTests(urls) { url ->
            val cache = Cache(url)
            concurrentAdmissions { call -> cache.sliceRateLimit(100, 1.minutes, "hot") { call() } } shouldBe 100
        }
    }

    test("fixed window: the window ends exactly one period after its first call") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val limited: suspend (suspend () -> Unit) -> Unit = { call ->
                cache.rateLimit(2, 10.seconds, "k", ban = null) { call() }
            }
            admitted(limited) shouldBe true
            time += 3.seconds
            admitted(limited) shouldBe true
            admitted(limited) shouldBe false
            time += 7.seconds - 1.milliseconds
            admitted(limited) shouldBe false // 1 ms before the end
            time += 1.milliseconds
            admitted(limited) shouldBe true // a new window
        }
    }

    test("fixed window: the first refused call starts a ban of its own length") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val limited: suspend (suspend () -> Unit) -> Unit = { call ->
                cache.rateLimit(1, 10.seconds, "k", ban = 1.minutes) { call() }
            }
            admitted(limited) shouldBe true
            time += 9.seconds
            val refused = shouldThrow<RateLimitError> { cache.rateLimit(1, 10.seconds, "k", ban = 1.minutes) { } }
            refused.retryAfter shouldBe 1.minutes
            refused.message shouldContain "rate_limit:k"
            time += 1.minutes - 1.milliseconds
            admitted(limited) shouldBe false // still banned, though the window would have ended
            time += 1.milliseconds
            admitted(limited) shouldBe true
        }
    }

    test("sliding window: a call leaves the window exactly one period after it was made") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val limited: suspend (suspend () -> Unit) -> Unit = { call ->
                cache.sliceRateLimit(2, 10.seconds, "k") { call() }
            }
            admitted(limited) shouldBe true // t = 0
            time += 4.seconds
            admitted(limited) shouldBe true // t = 4
            time += 6.seconds - 1.milliseconds
            admitted(limited) shouldBe false // t = 9.999: both still in the window; refusals are not logged
            time += 1.milliseconds
            admitted(limited) shouldBe true // t = 10: the call at 0 has left
            admitted(limited) shouldBe false
            time += 4.seconds
            admitted(limited) shouldBe true // t = 14: the call at 4 has left
        }
    }

    test("per-key limits from a key template") {
        runTest {
            val cache = Cache("mem://")
            val perUser = KeyTemplate.of("search:{user}")

            suspend fun search(user: String): Boolean =
                admitted { call -> cache.rateLimit(1, 1.minutes, perUser, mapOf("user" to user)) { call() } }
            search("ann") shouldBe true
            search("ann") shouldBe false
            search("bob") shouldBe true
        }
    }

    test("an action's result is returned instead of failing, even when it is null") {
        runTest {
            val cache = Cache("mem://")
            val action: suspend (RateLimitError) -> String? = { it.limit.toString() }
            cache.rateLimit(1, 1.minutes, "k", action = action) { "ok" } shouldBe "ok"
            cache.rateLimit(1, 1.minutes, "k", action = action) { "ok" } shouldBe "1"
            cache.rateLimit<String?>(1, 1.minutes, "k", action = { null }) { "ok" } shouldBe null
            cache.sliceRateLimit(1, 1.minutes, "s", action = action) { "ok" } shouldBe "ok"
            cache.sliceRateLimit(1, 1.minutes, "s", action = action) { "ok" } shouldBe "1"
        }
    }

    test("bad limits and periods are refused with the value in the message") {
        runTest {
            val cache = Cache("mem://")
            shouldThrow<IllegalArgumentException> { cache.rateLimit(0, 1.minutes, "k") { } }.message shouldContain "0"
            shouldThrow<InvalidTtlError> { cache.rateLimit(1, Duration.ZERO, "k") { } }
            shouldThrow<IllegalArgumentException> { cache.sliceRateLimit(-1, 1.minutes, "k") { } }.message shouldContain
                "-1"
        }
    }

    context("token bucket: exactly the burst passes among 1 000 concurrent callers") {
        withTests(urls) { url ->
            val cache = Cache(url)
            concurrentAdmissions { call -> cache.tokenBucket(1, 1.minutes, "tb", burst = 100) { call() } } shouldBe 100
        }
    }

    test("token bucket: refills at its rate, says when in the refusal, and answers through the action") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            repeat(2) { cache.tokenBucket(rate = 2, period = 1.seconds, key = "api") { "ok" } shouldBe "ok" }
            val refused = shouldThrow<RateLimitError> { cache.tokenBucket(2, 1.seconds, "api") { "ok" } }
            refused.retryAfter shouldBe 500.milliseconds
            refused.key shouldBe "token_bucket:api"
            refused.message shouldContain "retry after 500ms"
            time += 500.milliseconds
            cache.tokenBucket(2, 1.seconds, "api") { "ok" } shouldBe "ok"
            cache.tokenBucket(2, 1.seconds, "api", action = { it.retryAfter.toString() }) { "ok" } shouldBe "500ms"
            // A burst above the rate: five at once after an idle spell, then two a second.
            time += 1.minutes
            val admitted =
                (1..7).count {
                    admitted { call ->
                        cache.tokenBucket(2, 1.seconds, "b", burst = 5) { call() }
                    }
                }
            admitted shouldBe 5
            // A call may take several tokens.
            cache.tokenBucket(10, 1.seconds, "c", cost = 10) { "all" } shouldBe "all"
            shouldThrow<RateLimitError> { cache.tokenBucket(10, 1.seconds, "c") { "none left" } }.retryAfter shouldBe
                100.milliseconds
        }
    }

    test("token bucket: bad settings are refused naming the value") {
        runTest {
            val cache = Cache("mem://")
            shouldThrow<IllegalArgumentException> { cache.tokenBucket(0, 1.seconds, "k") { } }.message shouldContain "0"
            shouldThrow<IllegalArgumentException> {
                cache.tokenBucket(
                    1,
                    1.seconds,
                    "k",
                    burst = -2,
                ) { }
            }.message shouldContain
                "-2"
            shouldThrow<IllegalArgumentException> { cache.tokenBucket(1, 1.seconds, "k", burst = 3, cost = 4) { } }
                .message shouldContain "was 4"
            shouldThrow<InvalidTtlError> { cache.tokenBucket(1, Duration.ZERO, "k") { } }
            shouldThrow<IllegalArgumentException> {
                cache.tokenBucket(1, 1.seconds, "k", whenUnavailable = OutagePolicy.FAIL_OPEN) { }
            }.message shouldContain "unlimited"
        }
    }

    test("two caches on one backend share one limit") {
        runTest {
            val backend = MemoryBackend()
            val first = Cache().apply { setup(backend) }
            val second = Cache().apply { setup(backend) }
            admitted { call -> first.rateLimit(1, 1.minutes, "shared") { call() } } shouldBe true
            admitted { call -> second.rateLimit(1, 1.minutes, "shared") { call() } } shouldBe false
        }
    }
})

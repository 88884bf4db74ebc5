package io.cashews.redis

import io.cashews.Cache
import io.cashews.RateLimitError
import io.cashews.cached
import io.cashews.circuitBreaker
import io.cashews.rateLimit
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

class RedisOutageSpec : FunSpec({
    test("killing Redis during a stream of strategy calls: every call returns its loader's value, caching resumes") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                val cache = Cache(redis.url + "?socket_timeout=300ms&connect_timeout=300ms")
                val loads = AtomicInteger()

                suspend fun call(i: Int): String =
                    cache.cached(1.minutes, key = "item:${i % 20}") {
                        "value:${i % 20}".also { loads.incrementAndGet() }
                    }

                // A bounded stream: 6 rounds of 200 concurrent calls; Redis dies after round 2 and is back for round 5.
                for (round in 1..6) {
                    if (round == 3) redis.kill()
                    if (round == 5) {
                        redis.restart()
                        awaitTrue { cache.ping() }
                    }
                    val results = (0 until 200).map { i -> async { call(i) } }.awaitAll()
                    results.forEachIndexed { i, value -> value shouldBe "value:${i % 20}" }
                }
                // After the restart the cache works again: the values are cached and no loader runs.
                val before = loads.get()
                (0 until 200).map { i -> async { call(i) } }.awaitAll()
                loads.get() shouldBe before
                cache.close()
            }
        }
    }

    test("after a restart (scripts and keys gone), locks, rate limits and circuit breakers keep working") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                val cache = Cache(redis.url)

                suspend fun exercise() {
                    cache.lock("job", 1.minutes) { "ran" } shouldBe "ran"
                    repeat(3) { i -> cache.rateLimit(limit = 3, period = 1.minutes, key = "api") { i } shouldBe i }
                    shouldThrow<RateLimitError> { cache.rateLimit(limit = 3, period = 1.minutes, key = "api") { 0 } }
                    cache.circuitBreaker(50.0, 1.minutes, 1.minutes, key = "svc") { "closed" } shouldBe "closed"
                    cache.sliceIncr("window", 0, 10, 2) shouldBe 1
                }
                exercise()
                redis.kill()
                redis.restart()
                awaitTrue { cache.ping() }
                exercise()
                cache.close()
            }
        }
    }
})

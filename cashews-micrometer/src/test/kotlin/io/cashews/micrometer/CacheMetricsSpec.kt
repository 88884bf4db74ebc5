package io.cashews.micrometer

import io.cashews.Cache
import io.cashews.CacheEventListener
import io.cashews.cached
import io.cashews.circuitBreaker
import io.cashews.failover
import io.cashews.rateLimit
import io.cashews.warmUp
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.delay
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.test.testTimeSource
import java.io.IOException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class CacheMetricsSpec : FunSpec({
    test("gets, puts, loads and size follow what the strategies do") {
        runTest {
            val registry = SimpleMeterRegistry()
            val cache = Cache("mem://", testTimeSource)
            CacheMetrics(cache, "users", listOf(Tag.of("app", "demo"))).bindTo(registry)
            repeat(3) {
                cache.cached<String>(1.minutes, key = "user:1") {
                    delay(20.milliseconds)
                    "ann"
                }
            }
            shouldThrow<IOException> { cache.cached<String>(1.minutes, key = "user:2") { throw IOException("down") } }

            fun count(name: String, vararg tags: String) =
                registry
                    .get(
                        name,
                    ).tags("cache", "users", *tags)
                    .counter()
                    .count()
            count("cache.gets", "result", "hit") shouldBe 2.0
            count("cache.gets", "result", "miss") shouldBe 2.0
            count("cache.puts") shouldBe 1.0
            registry
                .get("cache.loads")
                .tags("result", "success", "app", "demo")
                .timer()
                .count() shouldBe 1
            registry
                .get("cache.loads")
                .tags("result", "success")
                .timer()
                .totalTime(TimeUnit.MILLISECONDS) shouldBe 20.0
            registry
                .get("cache.loads")
                .tags("result", "failure")
                .timer()
                .count() shouldBe 1
            registry
                .get("cache.size")
                .tags("cache", "users")
                .gauge()
                .value() shouldBe 1.0
        }
    }

    test("every command is timed per layer and kind") {
        runTest {
            val registry = SimpleMeterRegistry()
            val cache = Cache()
            cache.setup("mem://")
            cache.setup("mem://?secret=s", prefix = "signed:")
            CacheMetrics(cache, "c").bindTo(registry)
            cache.set("a", 1)
            cache.get<Int>("a")
            cache.get<Int>("signed:b")
            registry
                .get("cache.operations")
                .tags("layer", "mem", "command", "set")
                .timer()
                .count() shouldBe 1
            registry
                .get("cache.operations")
                .tags("layer", "mem", "command", "get")
                .timer()
                .count() shouldBe 2
            registry
                .get(
                    "cache.operations",
                ).tags("command", "get")
                .timer()
                .totalTime(TimeUnit.NANOSECONDS) shouldBeGreaterThan
                0.0
        }
    }

    test("timeOneIn times a random sample of the commands, and every kind and layer can be drawn") {
        runTest {
            val registry = SimpleMeterRegistry()
            val cache = Cache("mem://")
            CacheMetrics(cache, "c", timeOneIn = 4).bindTo(registry)
            cache.set("a", 1)
            repeat(4000) { cache.get<Int>("a") }
            val gets = registry.get("cache.operations").tags("command", "get").timer()
            // A binomial draw of 4000 at 1/4: 1000 on average, 27 standard deviation; these bounds are 7 of them.
            gets.count() shouldBeGreaterThan 800L
            gets.count() shouldBeLessThan 1200L
            gets.totalTime(TimeUnit.NANOSECONDS) shouldBeGreaterThan 0.0
        }
    }

    test("timeOneIn below 1 is refused, naming the value") {
        val error = shouldThrow<IllegalArgumentException> { CacheMetrics(Cache("mem://"), "c", timeOneIn = 0) }
        error.message shouldContain "was 0"
    }

    test("stale answers, rejections, breaker transitions and evictions have their meters") {
        runTest {
            val registry = SimpleMeterRegistry()
            val cache = Cache("mem://?size=5", testTimeSource)
            CacheMetrics(cache, "c", timeCommands = false).bindTo(registry)
            val evicted = CountDownLatch(1)
            cache.addListener(
                object : CacheEventListener {
                    override fun onEviction(key: String, layer: String) = evicted.countDown()
                },
            )
            cache.failover(1.minutes, key = "f") { "good" }
            cache.failover<String>(1.minutes, key = "f") { throw IOException("down") }
            repeat(2) { cache.rateLimit(limit = 1, period = 1.minutes, key = "r", action = { "no" }) { "yes" } }
            runCatching { cache.circuitBreaker(50.0, 1.minutes, 10.seconds, key = "b") { throw IOException("down") } }
            registry.get("cache.stale.served").counter().count() shouldBe 1.0
            registry
                .get("cache.rejections")
                .tags("reason", "rate_limited")
                .counter()
                .count() shouldBe 1.0
            registry
                .get("cache.breaker.transitions")
                .tags("to", "open")
                .counter()
                .count() shouldBe 1.0
            repeat(50) { cache.set("k$it", it) }
            evicted.await(10, TimeUnit.SECONDS) shouldBe true
            registry.get("cache.evictions").counter().count() shouldBeGreaterThan 0.0
            registry.find("cache.operations").timer() shouldBe null
        }
    }

    test("a warm-up's progress is two gauges named after it") {
        runTest {
            val cache = Cache("mem://")
            val registry = SimpleMeterRegistry()
            CacheMetrics(cache, "users", timeCommands = false).bindTo(registry)
            cache.warmUp(
                "active users",
                (1..250).toList(),
                1.hours,
                batchSize = 100,
            ) { ids -> ids.associateWith { "u$it" } }
            registry
                .get("cache.warmup.total")
                .tag("name", "active users")
                .gauge()
                .value() shouldBe 250.0
            registry
                .get("cache.warmup.done")
                .tag("name", "active users")
                .gauge()
                .value() shouldBe 250.0
        }
    }

    test("close stops the meters and gives the cache its direct path back") {
        runTest {
            val registry = SimpleMeterRegistry()
            val cache = Cache("mem://")
            val metrics = CacheMetrics(cache, "c")
            metrics.bindTo(registry)
            shouldThrow<IllegalStateException> { metrics.bindTo(registry) }
            metrics.close()
            cache.cached(1.minutes, key = "k") { "v" }
            registry
                .get("cache.gets")
                .tags("result", "miss")
                .counter()
                .count() shouldBe 0.0
            cache.removeInterceptor(
                object : io.cashews.CacheInterceptor {
                    override suspend fun <R> intercept(
                        chain: io.cashews.CacheInterceptor.Chain<R>,
                    ): R = chain.proceed(chain.command)
                },
            ) shouldBe false
        }
    }
})

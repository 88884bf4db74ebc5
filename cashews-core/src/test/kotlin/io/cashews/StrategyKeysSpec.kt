package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes

/** Every strategy called without a key, from methods that capture their arguments, as users write them. */
private class Quotes(
    private val cache: Cache,
) {
    val loads = AtomicInteger()

    suspend fun early(symbol: String) = cache.early(1.hours) { "early $symbol ${loads.incrementAndGet()}" }

    suspend fun soft(symbol: String) = cache.soft(1.hours) { "soft $symbol ${loads.incrementAndGet()}" }

    suspend fun hit(symbol: String) = cache.hit(1.hours, cacheHits = 5) { "hit $symbol ${loads.incrementAndGet()}" }

    suspend fun dynamic(symbol: String) = cache.dynamic { "dynamic $symbol ${loads.incrementAndGet()}" }

    suspend fun failover(symbol: String) = cache.failover(1.hours) { "failover $symbol ${loads.incrementAndGet()}" }

    suspend fun locked(symbol: String) = cache.locked(1.minutes) { "locked $symbol ${loads.incrementAndGet()}" }

    suspend fun limited(symbol: String) = cache.rateLimit(1, 1.minutes) { "limited $symbol" }

    suspend fun sliced(symbol: String) = cache.sliceRateLimit(1, 1.minutes) { "sliced $symbol" }

    suspend fun guarded(symbol: String) = cache.circuitBreaker(50.0, 1.minutes, 1.minutes) { "guarded $symbol" }

    /** A handle bound without a key template: its template is derived from the loader. */
    val quote = cache.function(EarlyPolicy(1.hours)) { symbol: String -> "quote $symbol ${loads.incrementAndGet()}" }

    val named =
        cache.function(SoftPolicy(1.hours)).params("symbol", "venue").bind2(ValueType.of(String::class.java)) {
            symbol: String,
            venue: String,
            ->
            "named $symbol $venue ${loads.incrementAndGet()}"
        }
}

class StrategyKeysSpec : FunSpec({
    test("every caching strategy derives its key from the call site and the captured values") {
        runTest {
            val cache = Cache("mem://")
            val quotes = Quotes(cache)
            val strategies: Map<String, suspend (String) -> String> =
                mapOf(
                    "early" to quotes::early,
                    "soft" to quotes::soft,
                    "hit" to quotes::hit,
                    "dynamic" to quotes::dynamic,
                )
            for ((name, call) in strategies) {
                withClue(name) {
                    val before = quotes.loads.get()
                    val first = call("EUR")
                    call("EUR") shouldBe first
                    call("USD") shouldBe "$name USD ${before + 2}"
                    quotes.loads.get() shouldBe before + 2
                    val keys =
                        cache.scan("$name:*").toList().filter {
                            !it.endsWith(":fresh") &&
                                !it.endsWith(":counter")
                        }
                    keys shouldHaveSize 2
                    keys.forEach { it shouldStartWith "$name:io.cashews.Quotes" }
                    keys.sorted().last() shouldContain ":symbol:USD"
                }
            }
            // failover loads on every call and keeps the last good result under the derived key
            quotes.failover("EUR")
            cache.scan("fail:*").toList().single() shouldContain ":symbol:EUR"
            quotes.locked("EUR") shouldStartWith "locked EUR"
        }
    }

    test("rate limits and circuit breakers derive their key too: one limit per captured value") {
        runTest {
            val cache = Cache("mem://")
            val quotes = Quotes(cache)
            quotes.limited("EUR") shouldBe "limited EUR"
            shouldThrow<RateLimitError> { quotes.limited("EUR") }
            quotes.limited("USD") shouldBe "limited USD"
            quotes.sliced("EUR") shouldBe "sliced EUR"
            shouldThrow<RateLimitError> { quotes.sliced("EUR") }
            quotes.sliced("USD") shouldBe "sliced USD"
            quotes.guarded("EUR") shouldBe "guarded EUR"
            cache.scan("rate_limit:*").toList().forEach { it shouldStartWith "rate_limit:io.cashews.Quotes" }
            cache.scan("circuit_breaker:*").toList().any { it.contains(":symbol:EUR") } shouldBe true
        }
    }

    test("a handle without a key template derives one from its loader and its parameters") {
        runTest {
            val cache = Cache("mem://")
            val quotes = Quotes(cache)
            quotes.quote.key.template shouldStartWith "io.cashews.Quotes"
            quotes.quote.key.template shouldContain ":arg1:{arg1}"
            quotes.quote("EUR") shouldBe "quote EUR 1"
            quotes.quote("EUR") shouldBe "quote EUR 1"
            quotes.quote.invalidate("EUR") shouldBe true
            quotes.quote("EUR") shouldBe "quote EUR 2"
            quotes.named("EUR", "XPAR") shouldBe "named EUR XPAR 3"
            quotes.named("EUR", "XPAR") shouldBe "named EUR XPAR 3"
            cache.scan("soft:*").toList().single { !it.endsWith(":fresh") } shouldContain ":symbol:EUR:venue:XPAR"
            // A second Quotes (a restart) derives the same keys and finds the stored values.
            Quotes(cache).quote("EUR") shouldBe "quote EUR 2"
        }
    }

    test("withPolicy renders any policy's key template and tags with arguments and the key context") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            val policy = EarlyPolicy(1.hours, KeyTemplate.of("user:{@tenant}:{id}"), tags = listOf("user:{id}"))

            suspend fun user(id: Long) =
                cache.withPolicy(
                    policy,
                    mapOf("id" to id),
                ) { "user $id ${loads.incrementAndGet()}" }
            withContext(KeyContext(mapOf("tenant" to "acme"))) {
                user(1) shouldBe "user 1 1"
                user(1) shouldBe "user 1 1"
            }
            withContext(KeyContext(mapOf("tenant" to "other"))) { user(1) shouldBe "user 1 2" }
            cache.exists("early:user:acme:1") shouldBe true
            cache.deleteTags(listOf("user:1"))
            cache.exists("early:user:acme:1") shouldBe false

            val locked = LockedPolicy(1.minutes, KeyTemplate.of("job:{day}"), wait = false)
            cache.withPolicy(locked, mapOf("day" to "mon")) { cache.exists("locked:job:mon") } shouldBe true

            val limited = CachedPolicy(TtlRule.Fixed(1.hours), KeyTemplate.of("page:{n}"))
            shouldThrow<KeyTemplateError> { cache.withPolicy(limited) { "no n" } }.message shouldContain "n"
            val derived = CachedPolicy(TtlRule.Fixed(1.hours))
            shouldThrow<KeyTemplateError> { cache.withPolicy(derived, mapOf("n" to 1)) { "x" } }.message shouldContain
                "args [n] were given but the policy has no key template"
            cache.withPolicy(derived) { "derived" } shouldBe "derived"
            cache.scan("io.cashews.StrategyKeysSpec*").toList() shouldHaveSize 1
        }
    }
})

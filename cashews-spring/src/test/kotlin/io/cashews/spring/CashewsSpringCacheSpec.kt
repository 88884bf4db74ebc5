package io.cashews.spring

import io.cashews.Cache
import io.cashews.JavaCache
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import org.springframework.cache.Cache.ValueRetrievalException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** Spring's cache contract on a cashews cache: values, nulls, loads, failures, eviction, and the manager. */
class CashewsSpringCacheSpec : FunSpec({
    fun manager(
        settings: Map<String, CashewsCacheSettings> = emptyMap(),
        dynamic: Boolean = true,
    ) = CashewsCacheManager(JavaCache.of(Cache("mem://")), CashewsCacheSettings(), settings, dynamic)

    test("put and get, a cached null distinct from a miss, and eviction") {
        val users = manager().getCache("users")!!
        users.get("1").shouldBeNull()
        users.put("1", "ann")
        users.get("1")!!.get() shouldBe "ann"
        users.get("1", String::class.java) shouldBe "ann"
        users.put("2", null)
        users.get("2")!!.get().shouldBeNull()
        users.evictIfPresent("2") shouldBe true
        users.evictIfPresent("2") shouldBe false
        users.get("2").shouldBeNull()
    }

    test("a key read again and again sees every put, evict and clear since, and writes made through cashews") {
        val manager = manager()
        val users = manager.getCache("users")!!
        users.put("1", "ann")
        repeat(2) { users.get("1")!!.get() shouldBe "ann" }
        users.put("1", "bob")
        users.get("1")!!.get() shouldBe "bob"
        manager.cache.set("users:1", "carl", java.time.Duration.ofHours(1)).join()
        users.get("1")!!.get() shouldBe "carl"
        users.evict("1")
        users.get("1").shouldBeNull()
        users.put("1", "dora")
        users.get("1")!!.get() shouldBe "dora"
        users.clear()
        users.get("1").shouldBeNull()
    }

    test("without null values, a null result is refused as Spring's contract says") {
        val strict = manager(mapOf("strict" to CashewsCacheSettings().withAllowNullValues(false))).getCache("strict")!!
        shouldThrow<IllegalArgumentException> { strict.put("k", null) }
    }

    test("get with a loader loads once for concurrent callers and keeps the result") {
        val users = manager().getCache("users")!!
        val loads = AtomicInteger()
        val gate = CountDownLatch(1)
        val pool = Executors.newFixedThreadPool(8)
        try {
            val calls =
                (1..8).map {
                    CompletableFuture.supplyAsync(
                        {
                            users.get("cold") {
                                gate.await()
                                "loaded ${loads.incrementAndGet()}"
                            }
                        },
                        pool,
                    )
                }
            // Whichever caller loads waits at the gate; once it is open, every caller has its answer.
            gate.countDown()
            calls.map { it.get(30, TimeUnit.SECONDS) }.toSet() shouldBe setOf("loaded 1")
            users.get("cold") { "again" } shouldBe "loaded 1"
        } finally {
            pool.shutdownNow()
        }
    }

    test("a failing loader's exception reaches the caller inside ValueRetrievalException, and nothing is stored") {
        val users = manager().getCache("users")!!
        val failure = IllegalStateException("database down")
        val thrown = shouldThrow<ValueRetrievalException> { users.get<String>("broken") { throw failure } }
        thrown.cause shouldBeSameInstanceAs failure
        users.get("broken").shouldBeNull()
    }

    test("retrieve answers a miss with null, a value in a wrapper, and loads once through retrieve with a loader") {
        val users = manager().getCache("users")!!
        users.retrieve("x")!!.get().shouldBeNull()
        users.put("x", "ann")
        (users.retrieve("x")!!.get() as org.springframework.cache.Cache.ValueWrapper).get() shouldBe "ann"
        val loads = AtomicInteger()
        val first = users.retrieve("y") { CompletableFuture.completedFuture("v${loads.incrementAndGet()}") }
        val second = users.retrieve("y") { CompletableFuture.completedFuture("v${loads.incrementAndGet()}") }
        first.get() shouldBe "v1"
        second.get() shouldBe "v1"
        val failure = IllegalStateException("down")
        val failed = users.retrieve<String>("z") { CompletableFuture.failedFuture(failure) }
        shouldThrow<java.util.concurrent.ExecutionException> { failed.get() }.cause shouldBeSameInstanceAs failure
    }

    test("putIfAbsent keeps the first value; clear empties one cache and leaves the others") {
        val manager = manager()
        val users = manager.getCache("users")!!
        val orders = manager.getCache("orders")!!
        users.putIfAbsent("1", "ann").shouldBeNull()
        users.putIfAbsent("1", "bob")!!.get() shouldBe "ann"
        orders.put("1", "order")
        users.clear()
        users.get("1").shouldBeNull()
        orders.get("1")!!.get() shouldBe "order"
        orders.invalidate() shouldBe true
        orders.invalidate() shouldBe false
    }

    test("tags render the key, so entries can be deleted by tag from anywhere") {
        val jc = JavaCache.of(Cache("mem://"))
        val users =
            CashewsCacheManager(jc, caches = mapOf("users" to CashewsCacheSettings().withTags("user:{key}", "users")))
                .getCache("users")!!
        users.put("1", "ann")
        users.get("2") { "bob" }
        jc.deleteTags(listOf("user:1")).join()
        users.get("1").shouldBeNull()
        users.get("2")!!.get() shouldBe "bob"
        jc.deleteTags(listOf("users")).join()
        users.get("2").shouldBeNull()
    }

    test("a manager that is not dynamic knows only its configured caches") {
        val manager = manager(mapOf("users" to CashewsCacheSettings()), dynamic = false)
        manager.getCache("orders").shouldBeNull()
        manager.cacheNames shouldBe setOf("users")
        shouldThrow<IllegalArgumentException> { CashewsCacheSettings(java.time.Duration.ZERO) }
    }
})

package io.cashews.redis

import io.cashews.Cache
import io.cashews.SetupError
import io.cashews.function
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger

/** GETs Redis has answered since its stats were reset. */
private suspend fun gets(redis: RedisProcess): Long =
    raw(redis) { it.info("commandstats").await() }
        .lines()
        .firstOrNull { it.startsWith("cmdstat_get:") }
        ?.substringAfter("calls=")
        ?.substringBefore(",")
        ?.toLong() ?: 0L

/**
 * Waits until [read] is answered without a GET reaching Redis. A read keeps its copy only when no invalidation overlaps
 * it, and the tier's pub/sub subscription (and this process's own published writes) arrive asynchronously, dropping
 * every copy: a read kept before them is read again after.
 */
private suspend fun awaitServedHere(redis: RedisProcess, read: suspend () -> Unit) =
    awaitTrue {
        read()
        raw(redis) { it.configResetstat().await() }
        read()
        gets(redis) == 0L
    }

class RedisLocalTierSpec : FunSpec({
    test("local=size:ttl serves reads in this process; another process's write drops the copy through pub/sub") {
        twoCaches("?local=1000:1m") { first, second, redis ->
            first.set("k", "v1")
            awaitServedHere(redis) { first.get<String>("k") shouldBe "v1" } // answered by the local tier

            second.get<String>("k") shouldBe "v1" // the second process keeps a copy too
            second.set("k", "v2")
            awaitTrue { first.get<String>("k") == "v2" }
            second.delete("k")
            awaitTrue { first.get<String>("k") == null }

            first.set("other", "o")
            second.get<String>("other") shouldBe "o"
            first.deleteMatch("oth*") // a pattern: every copy of the other process goes
            awaitTrue { second.get<String>("other") == null }
        }
    }

    test("this process's own writes drop its copy at once, before and after they reach Redis") {
        twoCaches("?local=1000:1m") { first, _, _ ->
            first.set("k", "a")
            first.get<String>("k") shouldBe "a"
            first.set("k", "b")
            first.get<String>("k") shouldBe "b"
            first.incr("n", 1)
            first.get<Long>("n") shouldBe 1L
            first.incr("n", 1)
            first.get<Long>("n") shouldBe 2L
            first.getMany<String>(listOf("k", "missing")) shouldBe listOf("b", null)
            first.delete("k")
            first.get<String>("k") shouldBe null
        }
    }

    test("a bad local setting is refused naming the value; a memory backend needs no local tier") {
        RedisProcess.start().use { redis ->
            shouldThrow<SetupError> { Cache(redis.url + "?local=lots") }.message shouldContain
                "'local' has value 'lots'"
            shouldThrow<SetupError> { Cache(redis.url + "?local=10:0s") }.message shouldContain "size:ttl"
        }
        shouldThrow<SetupError> { Cache("mem://?local=10:1m") }.message shouldContain "in memory"
    }

    test("a handle's local tier keeps only its keys, and another process's invalidation drops its copy") {
        twoCaches { first, second, redis ->
            val loads = AtomicInteger()
            val firstUsers =
                first.function(ttl = "1h", key = "user:{id}", local = "100:1m") { id: Long ->
                    "user $id v${loads.incrementAndGet()}"
                }
            val secondUsers =
                second.function(ttl = "1h", key = "user:{id}", local = "100:1m") { id: Long ->
                    "user $id v${loads.incrementAndGet()}"
                }
            firstUsers(1) shouldBe "user 1 v1"
            awaitServedHere(redis) { firstUsers(1) shouldBe "user 1 v1" } // the handle's key is answered here
            first.set("other", "o")
            raw(redis) { it.configResetstat().await() }
            repeat(3) { first.get<String>("other") shouldBe "o" }
            gets(redis) shouldBe 3L // a key outside the handle's template is not kept

            secondUsers.invalidate(1) shouldBe true
            awaitTrue { firstUsers(1) == "user 1 v2" } // dropped through pub/sub, then loaded again
            second.set("user:1", "written elsewhere")
            awaitTrue { firstUsers(1) == "written elsewhere" }
            loads.get() shouldBe 2
        }
    }

    test("a handle's tier is shared by handles of the same keys, follows a new setup, and is not added over memory") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                val cache = Cache()
                // Bound before the setup: the tier is put in front of the backend once it is there.
                val users = cache.function(ttl = "1h", key = "user:{id}", local = "100:1m") { id: Long -> "user $id" }
                cache.function(ttl = "1h", key = "user:{id}", local = "100:1m") { id: Long -> "again $id" }
                shouldThrow<SetupError> {
                    cache.function(ttl = "1h", key = "user:{id}", local = "5:1m") { id: Long -> "other $id" }
                }.message shouldContain "already kept locally as 100:1m, not 5:1m"
                cache.setup(redis.url)
                users(7) shouldBe "user 7" // loaded and written: a write keeps no copy; the next read keeps one
                awaitServedHere(redis) { users(7) shouldBe "user 7" }
                cache.close()
            }
        }
        runBlocking {
            val memory = Cache("mem://")
            val users = memory.function(ttl = "1h", key = "user:{id}", local = "100:1m") { id: Long -> "user $id" }
            users(1) shouldBe "user 1"
            users(1) shouldBe "user 1"
            users.info().loads shouldBe 1L // the in-memory backend is the local tier: nothing is added in front
            shouldThrow<SetupError> {
                memory.function(ttl = "1h", key = "item:{id}", local = "many") { id: Long -> id }
            }.message shouldContain "'many' is not size:ttl"
            memory.close()
        }
    }
})

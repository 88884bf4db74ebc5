package io.cashews.redis

import io.cashews.BackendUnavailableError
import io.cashews.Cache
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.KeyTtl
import io.cashews.NotAnIntegerError
import io.cashews.RateLimitError
import io.cashews.SetCondition
import io.cashews.UnsecureDataError
import io.cashews.cached
import io.cashews.cachedMany
import io.cashews.function
import io.cashews.rateLimit
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.lettuce.core.RedisClient
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

@Serializable
data class User(
    val id: Long,
    val name: String,
)

/** Runs [body] on a fresh Redis through the real `redis://` setup URL (found by ServiceLoader). */
private fun redisTest(params: String = "", body: suspend (Cache, RedisProcess) -> Unit) {
    RedisProcess.start().use { redis ->
        runBlocking(Dispatchers.Default) {
            val cache = Cache(redis.url + params)
            try {
                body(cache, redis)
            } finally {
                cache.close()
            }
        }
    }
}

class RedisBackendSpec : FunSpec({
    test("values, counters and keys round-trip through a real Redis, counters readable as plain integers") {
        redisTest { cache, redis ->
            cache.set("user:1", User(1, "Ann"), ttl = 1.minutes) shouldBe true
            cache.get<User>("user:1") shouldBe User(1, "Ann")
            cache.set("user:1", User(9, "x"), condition = SetCondition.IF_ABSENT) shouldBe false
            cache.set("nothing", null as String?) shouldBe true
            cache.exists("nothing") shouldBe true
            cache.get<String>("nothing") shouldBe null
            cache.incr("visits", 41) shouldBe 41
            cache.incr("visits") shouldBe 42
            raw(redis) { it.get("visits").await() } shouldBe "42"
            cache.set("n", -7L)
            raw(redis) { it.get("n").await() } shouldBe "-7"
            cache.getMany<User>(listOf("user:1", "missing")) shouldBe listOf(User(1, "Ann"), null)
            cache.setMany(mapOf("a:1" to "x", "a:2" to "y"), ttl = 1.minutes)
            cache.scan("a:*").toList() shouldContainExactlyInAnyOrder listOf("a:1", "a:2")
            cache.getMatch<String>("a:*").toList() shouldContainExactlyInAnyOrder listOf("a:1" to "x", "a:2" to "y")
            cache.deleteMatch("a:*") shouldBe 2
            cache.keysCount() shouldBe 4 // user:1, nothing, visits, n
            cache.delete("n") shouldBe true
            cache.delete("n") shouldBe false
            cache.clear()
            cache.keysCount() shouldBe 0
        }
    }

    test("TTLs are Redis's own: three distinct answers, millisecond TTLs kept, incr's TTL only on creation") {
        redisTest { cache, _ ->
            cache.ttl("missing") shouldBe KeyTtl.Missing
            cache.set("forever", 1)
            cache.ttl("forever") shouldBe KeyTtl.Persistent
            cache.set("short", "v", ttl = 1500.milliseconds)
            val left = (cache.ttl("short") as KeyTtl.Expiring).remaining
            (left > 1.seconds && left <= 1500.milliseconds) shouldBe true
            cache.expire("forever", 1.minutes) shouldBe true
            cache.ttl("forever").shouldBeInstanceOf<KeyTtl.Expiring>()
            cache.set("forever", 2) // a set without a TTL clears it
            cache.ttl("forever") shouldBe KeyTtl.Persistent
            cache.incr("counter", 1, ttl = 1.minutes)
            cache.persistTtlOf("counter")
            cache.incr("counter", 1, ttl = 1.minutes) shouldBe 2
            cache.ttl("counter") shouldBe KeyTtl.Persistent
        }
    }

    test("locks honour their token, bit fields saturate, sliding windows refuse at the limit, sets work") {
        redisTest { cache, _ ->
            cache.setLock("lock", "a", 1.minutes) shouldBe true
            cache.setLock("lock", "b", 1.minutes) shouldBe false
            cache.unlock("lock", "b") shouldBe false
            cache.unlock("lock", "a") shouldBe true
            cache.incrBits("bits", listOf(0, 5), size = 2, by = 5) shouldBe listOf(3L, 3L)
            cache.incrBits("bits", listOf(0), size = 2, by = -9) shouldBe listOf(0L)
            cache.getBits("bits", listOf(0, 5, 9), size = 2) shouldBe listOf(0L, 3L, 0L)
            (1..3).map { cache.sliceIncr("w", 0, 100, 3, 1.minutes) } shouldBe listOf(1L, 2L, 3L)
            cache.sliceIncr("w", 0, 100, 3) shouldBe 4
            cache.sliceIncr("w", 101, 200, 3) shouldBe 1 // the old entries left the window
            cache.setAdd("s", listOf("a", "b", "a")) shouldBe 2
            cache.setRemove("s", listOf("a")) shouldBe 1
            cache.setMembers("s") shouldBe setOf("b")
            cache.setPop("s") shouldBe listOf("b")
            cache.sizeOf("s") shouldBe 0
        }
    }

    test("getMany of 100 keys is one MGET: one round trip") {
        redisTest { cache, redis ->
            val keys = (1..100).map { "k:$it" }
            cache.setMany(keys.associateWith { it })
            raw(redis) { it.configResetstat().await() }
            cache.getMany<String>(keys) shouldBe keys
            readCalls(redis) shouldBe listOf("cmdstat_mget:calls=1")
        }
    }

    test("cachedMany of 100 keys, half stored: one MGET for the hits and one bulk load for the misses") {
        redisTest { cache, redis ->
            cache.setMany((1..50).associate { "user:$it" to User(it.toLong(), "stored") })
            raw(redis) { it.configResetstat().await() }
            val asked = mutableListOf<List<Long>>()
            val users =
                cache.cachedMany((1L..100L).toList(), 1.minutes, keyOf = { "user:$it" }) { missing ->
                    asked += missing
                    missing.associateWith { User(it, "loaded") }
                }
            users.size shouldBe 100
            users[1] shouldBe User(1, "stored")
            users[100] shouldBe User(100, "loaded")
            asked shouldBe listOf((51L..100L).toList())
            readCalls(redis) shouldBe listOf("cmdstat_mget:calls=1")
            cache.get<User>("user:77") shouldBe User(77, "loaded")
        }
    }

    test("a coalescing handle answers 200 concurrent misses with one MGET and one bulk load") {
        RedisProcess.start().use { redis ->
            runBlocking {
                // The cache's work runs on this test's event loop: every caller below joins the batch before it runs.
                val cache = Cache(redis.url, scope = CoroutineScope(coroutineContext.minusKey(Job)))
                try {
                    cache.setMany((1..100).associate { "u:$it" to User(it.toLong(), "stored") })
                    raw(redis) { it.configResetstat().await() }
                    val bulkCalls = AtomicInteger()
                    val user =
                        cache
                            .function(ttl = "1m", key = "u:{id}") { id: Long -> User(id, "one") }
                            .withBulkLoader(coalesce = true) { ids ->
                                bulkCalls.incrementAndGet()
                                ids.associateWith { User(it, "bulk") }
                            }
                    val answers = (1L..200L).map { id -> async(start = CoroutineStart.UNDISPATCHED) { user(id) } }
                    answers.awaitAll() shouldBe (1L..200L).map { User(it, if (it <= 100) "stored" else "bulk") }
                    bulkCalls.get() shouldBe 1
                    readCalls(redis) shouldBe listOf("cmdstat_mget:calls=1")
                } finally {
                    cache.close()
                }
            }
        }
    }

    test("coalesce=true sends the reads of concurrent cached calls of different keys as one MGET") {
        RedisProcess.start().use { redis ->
            runBlocking {
                val cache = Cache(redis.url + "?coalesce=true", scope = CoroutineScope(coroutineContext.minusKey(Job)))
                try {
                    cache.setMany((1..100).associate { "c:$it" to User(it.toLong(), "stored") })
                    raw(redis) { it.configResetstat().await() }
                    val loads = AtomicInteger()
                    val answers =
                        (1L..150L).map { id ->
                            async(start = CoroutineStart.UNDISPATCHED) {
                                cache.cached(1.minutes, "c:$id") { User(id, "loaded").also { loads.incrementAndGet() } }
                            }
                        }
                    answers.awaitAll() shouldBe (1L..150L).map { User(it, if (it <= 100) "stored" else "loaded") }
                    loads.get() shouldBe 50
                    // One MGET for every caller's read, one more for the misses' look before their loads.
                    readCalls(redis) shouldBe listOf("cmdstat_mget:calls=2")
                } finally {
                    cache.close()
                }
            }
        }
    }

    test("concurrent cached calls of one key make one GET between them, hit or miss, and a miss one load") {
        RedisProcess.start().use { redis ->
            // Every GET waits at a gate, and the callers start undispatched on one thread: all of them have joined
            // before the first GET is sent, so the counts below are exact.
            runBlocking {
                val cache = Cache(redis.url)
                val gate = CompletableDeferred<Unit>()
                cache.addInterceptor(
                    object : CacheInterceptor {
                        override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
                            if (chain.command.kind == Command.GET) gate.await()
                            return chain.proceed(chain.command)
                        }
                    },
                )
                try {
                    cache.set("stored", User(1, "Ann"))
                    raw(redis) { it.configResetstat().await() }
                    val loads = AtomicInteger()
                    val hits =
                        List(200) {
                            async(start = CoroutineStart.UNDISPATCHED) {
                                cache.cached(1.minutes, "stored") { User(loads.incrementAndGet().toLong(), "loaded") }
                            }
                        }
                    val misses =
                        List(200) {
                            async(start = CoroutineStart.UNDISPATCHED) {
                                cache.cached(1.minutes, "cold") { User(loads.incrementAndGet().toLong(), "loaded") }
                            }
                        }
                    gate.complete(Unit)
                    hits.awaitAll().toSet() shouldBe setOf(User(1, "Ann"))
                    misses.awaitAll().toSet() shouldBe setOf(User(1, "loaded"))
                    loads.get() shouldBe 1
                    readCalls(redis) shouldBe listOf("cmdstat_get:calls=2")
                } finally {
                    cache.close()
                }
            }
        }
    }

    test("scripts are loaded again after SCRIPT FLUSH, as after a restart") {
        redisTest { cache, redis ->
            cache.incr("n") shouldBe 1
            cache.setLock("l", "t", 1.minutes)
            raw(redis) { it.scriptFlush().await() }
            cache.incr("n") shouldBe 2
            cache.unlock("l", "t") shouldBe true
        }
    }

    test("tags, strategies and their invalidation work on Redis") {
        redisTest { cache, _ ->
            var loads = 0

            suspend fun user() =
                cache.cached(
                    1.minutes,
                    key = "user:1",
                    tags = listOf("users"),
                ) { User(1, "Ann${++loads}") }
            user() shouldBe User(1, "Ann1")
            user() shouldBe User(1, "Ann1")
            cache.deleteTags("users")
            user() shouldBe User(1, "Ann2")
        }
    }

    test("a key marked stale on Redis is served, signed and tag-stamped as stored, until its refresh lands") {
        redisTest("?secret=s3cr3t") { cache, _ ->
            val refreshed = CompletableDeferred<Unit>()
            var loads = 0

            suspend fun user() =
                cache.cached(1.minutes, key = "user:1", tags = listOf("users"), serveStale = true) {
                    User(1, "Ann${++loads}").also { if (loads == 2) refreshed.complete(Unit) }
                }
            user() shouldBe User(1, "Ann1")
            cache.markStale("user:1") shouldBe true
            // The stale copy keeps what is left of the entry's minute (Redis counts in whole milliseconds).
            (cache.ttl("user:1:stale") as KeyTtl.Expiring).remaining.inWholeMilliseconds shouldBeInRange
                1L..60_000L
            user() shouldBe User(1, "Ann1")
            refreshed.await()
            // The refresh stores, then drops the stale copy; the stored value is read once it is there.
            withTimeout(10.seconds) { while (cache.exists("user:1:stale")) yield() }
            user() shouldBe User(1, "Ann2")
            cache.markStale("user:1")
            cache.deleteTags("users")
            user() shouldBe User(1, "Ann3")
        }
    }

    test("a rate limit is exact for 1 000 concurrent callers across two caches on one Redis") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                val caches = listOf(Cache(redis.url), Cache(redis.url))
                val admitted =
                    (0 until 1_000)
                        .map { i ->
                            async {
                                runCatching {
                                    caches[i % 2].rateLimit(
                                        limit = 100,
                                        period = 1.minutes,
                                        key = "api",
                                    ) { 1 }
                                }.getOrElse { e -> if (e is RateLimitError) 0 else throw e }
                            }
                        }.awaitAll()
                        .sum()
                admitted shouldBe 100
                caches.forEach { it.close() }
            }
        }
    }

    test("tampered or foreign bytes in Redis read as a miss or UnsecureDataError, never as a wrong value") {
        redisTest("?secret=s3cr3t") { cache, redis ->
            cache.set("user", User(1, "Ann"))
            val stored = raw(redis) { it.get("user").await() }
            raw(redis) { it.set("user", stored.replace("Ann", "Eve")).await() }
            shouldThrow<UnsecureDataError> { cache.get<User>("user") }
            raw(redis) { it.set("user", "garbage").await() }
            cache.get<User>("user") shouldBe null
            raw(redis) { it.set("user", "{\"id\":1,\"name\":\"Eve\"}").await() }
            cache.get<User>("user") shouldBe null
        }
    }

    test("with suppress on, a dead Redis gives neutral answers and loader values, and recovery is automatic") {
        redisTest("?socket_timeout=500ms&connect_timeout=500ms") { cache, redis ->
            cache.set("k", "v")
            redis.kill()
            var loads = 0
            repeat(5) { cache.cached(1.minutes, key = "c") { "loaded${++loads}" } shouldBe "loaded$loads" }
            loads shouldBe 5
            cache.get<String>("k") shouldBe null
            cache.set("k", "w") shouldBe false
            cache.incr("n") shouldBe 0
            cache.ping() shouldBe false
            redis.restart()
            awaitTrue { cache.ping() }
            cache.set("k", "back") shouldBe true
            cache.get<String>("k") shouldBe "back"
            cache.cached(1.minutes, key = "c") { "stored" } shouldBe "stored"
            cache.cached(1.minutes, key = "c") { "not called" } shouldBe "stored"
        }
    }

    test("with suppress off, a dead Redis raises BackendUnavailableError") {
        redisTest("?suppress=false&socket_timeout=500ms&connect_timeout=500ms") { cache, redis ->
            cache.set("k", "v")
            redis.kill()
            val error = shouldThrow<BackendUnavailableError> { cache.get<String>("k") }
            error.message!!.contains("127.0.0.1") shouldBe true
        }
    }

    test("the counter of suppressed errors counts an outage") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                val cache = Cache()
                val redisBackend = cache.setup(redis.url) as RedisBackend
                cache.set("k", 1)
                redis.kill()
                repeat(3) { cache.get<Int>("k") }
                redisBackend.suppressedErrors shouldBeGreaterThan 2
                cache.close()
            }
        }
    }
})

/** Removes the TTL of [key] through the cache's own command (an `expire`-free way to make a key persistent). */
private suspend fun Cache.persistTtlOf(key: String) {
    val value = get<Long>(key)!!
    set(key, value)
}

/** The GET and MGET counts in Redis's command statistics, as `cmdstat_get:calls=N` lines. */
private suspend fun readCalls(redis: RedisProcess): List<String> =
    raw(redis) { it.info("commandstats").await() }
        .lines()
        .filter { it.startsWith("cmdstat_mget") || it.startsWith("cmdstat_get:") }
        .map { it.substringBefore(",") }

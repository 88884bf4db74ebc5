package io.cashews.redis

import io.cashews.Cache
import io.cashews.SetupError
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/** Two caches with client-side caching on one Redis: two processes' worth of local copies. */
private fun twoClients(body: suspend (Cache, Cache, RedisProcess) -> Unit) =
    twoCaches("?client_side=true&socket_timeout=300ms&connect_timeout=300ms", body)

/** How many reads Redis has answered from its keyspace so far: a read served from a local copy adds none. */
private suspend fun keyspaceReads(redis: RedisProcess): Long =
    raw(redis) { it.info("stats").await() }
        .lines()
        .filter { it.startsWith("keyspace_hits:") || it.startsWith("keyspace_misses:") }
        .sumOf { it.substringAfter(':').trim().toLong() }

/** How long until [read] returns [expected], checking every millisecond; fails after 5 s. */
private suspend fun <T> timeUntil(expected: T, read: suspend () -> T): Duration {
    val started = TimeSource.Monotonic.markNow()
    withTimeout(5.seconds) {
        while (read() != expected) delay(1.milliseconds)
    }
    return started.elapsedNow()
}

class RedisClientSideSpec : FunSpec({
    test("repeated reads are served locally, without a round trip to Redis") {
        twoClients { _, _, redis ->
            val cache = Cache()
            val backend = cache.setup(redis.url + "?client_side=true") as RedisBackend
            cache.set("user", "ann")
            cache.get<String>("user") shouldBe "ann"
            cache.get<String>("nobody") shouldBe null
            val before = keyspaceReads(redis)
            repeat(100) {
                cache.get<String>("user") shouldBe "ann"
                cache.get<String>("nobody") shouldBe null
                cache.exists("user") shouldBe true
            }
            keyspaceReads(redis) shouldBe before
            backend.clientSideEntries shouldBe 2L
            cache.close()
        }
    }

    test("a write, a delete and an expiry in one cache are seen by the other within 100 ms") {
        twoClients { writer, reader, _ ->
            writer.set("k", "v1")
            reader.get<String>("k") shouldBe "v1"
            writer.set("k", "v2")
            timeUntil("v2") { reader.get<String>("k") } shouldBeLessThan 100.milliseconds
            writer.delete("k")
            timeUntil(null) { reader.get<String>("k") } shouldBeLessThan 100.milliseconds

            val written = TimeSource.Monotonic.markNow()
            writer.set("short", "lived", ttl = 300.milliseconds)
            reader.get<String>("short") shouldBe "lived"
            withTimeout(5.seconds) { while (reader.get<String>("short") != null) delay(1.milliseconds) }
            // Gone for the reader within 100 ms of the end of its TTL in Redis (which started before `written`).
            written.elapsedNow() shouldBeLessThan 400.milliseconds
        }
    }

    test("a cache reads its own writes at once, getMany mixes copies and one MGET, a flush drops every copy") {
        twoClients { cache, _, redis ->
            cache.set("k", 1)
            cache.get<Int>("k") shouldBe 1
            cache.set("k", 2)
            cache.get<Int>("k") shouldBe 2
            cache.incr("n") shouldBe 1
            cache.get<Long>("n") shouldBe 1L
            cache.incr("n") shouldBe 2
            cache.get<Long>("n") shouldBe 2L
            // getMany answers from copies where it has them and fetches the rest in one MGET, keeping them too.
            cache.setMany(mapOf("a" to "1", "b" to "2"))
            cache.getMany<String>(listOf("a", "b", "c")) shouldBe listOf("1", "2", null)
            cache.set("b", "3")
            cache.getMany<String>(listOf("a", "b", "c")) shouldBe listOf("1", "3", null)
            val before = keyspaceReads(redis)
            cache.getMany<String>(listOf("a", "b", "c")) shouldBe listOf("1", "3", null)
            keyspaceReads(redis) shouldBe before
            raw(redis) { it.flushdb().await() }
            timeUntil(null) { cache.get<Int>("k") } shouldBeLessThan 100.milliseconds
        }
    }

    test("after Redis is killed and restarted, neither cache serves a value from before the restart") {
        twoClients { first, second, redis ->
            first.set("k", "before")
            first.get<String>("k") shouldBe "before"
            second.get<String>("k") shouldBe "before"
            val restarted = AtomicBoolean(false)
            val staleReads = ConcurrentLinkedQueue<String>()
            val readsAfterRestart =
                java.util.concurrent.atomic
                    .AtomicLong()
            val readers =
                listOf(first, second).map { cache ->
                    launch {
                        // Bounded: stops when the test says so, at the latest after 30 s.
                        withTimeout(30.seconds) {
                            while (isActive) {
                                val after = restarted.get()
                                val value = cache.get<String>("k")
                                if (after) {
                                    readsAfterRestart.incrementAndGet()
                                    if (value == "before") staleReads += "$cache read '$value'"
                                }
                                delay(1.milliseconds)
                            }
                        }
                    }
                }
            redis.kill()
            // Both caches notice the outage (their copies go with the connection).
            awaitTrue { !first.ping() && !second.ping() }
            redis.restart()
            restarted.set(true)
            awaitTrue { first.ping() && second.ping() }
            first.get<String>("k") shouldBe null
            first.set("k", "after")
            timeUntil("after") { second.get<String>("k") } shouldBeLessThan 100.milliseconds
            // Joined, so no reader's GET is still in flight when the keyspace reads are counted below.
            readers.forEach { it.cancelAndJoin() }
            staleReads.toList() shouldBe emptyList()
            readsAfterRestart.get() shouldBeGreaterThan 0
            // Copies are kept again once tracking is back on the new connection.
            val before = keyspaceReads(redis)
            repeat(10) { second.get<String>("k") shouldBe "after" }
            keyspaceReads(redis) shouldBe before
        }
    }

    test("client_side is refused on a cluster and needs a positive size") {
        shouldThrow<SetupError> { Cache("redis-cluster://127.0.0.1:7000?client_side=true") }.message shouldContain
            "client_side is not available on a Redis Cluster"
        shouldThrow<SetupError> {
            Cache(
                "redis://127.0.0.1:6379?client_side=true&client_side_size=0",
            )
        }.message shouldContain
            "client_side_size"
    }
})

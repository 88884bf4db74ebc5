package io.cashews.redis

import io.cashews.Cache
import io.cashews.cached
import io.cashews.early
import io.cashews.test.RedisProcess
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** How many connections listen for lock releases. */
private suspend fun releaseListeners(redis: RedisProcess): Long =
    raw(redis) {
        it
            .pubsubNumsub(LockReleaseChannel.CHANNEL)
            .await()
            .values
            .single()
    }

class RedisLocksSpec : FunSpec({
    test("a waiter in another process wakes when the lock is released, not at its next check") {
        twoCaches { holder, waiter, redis ->
            val held = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val holding =
                launch {
                    holder.lock("job", 1.minutes) {
                        held.complete(Unit)
                        release.await()
                    }
                }
            held.await()
            // A check every hour: only the release notice can wake the waiter within the test's bound.
            val waiting = async { waiter.lock("job", 1.minutes, step = 1.hours) { "ran" } }
            // Both processes listen: the holder from its own lock call, the waiter from its wait.
            awaitTrue { releaseListeners(redis) == 2L }
            release.complete(Unit)
            holding.join()
            withTimeout(10.seconds) { waiting.await() } shouldBe "ran"
        }
    }

    test("cached(lock = true): one load across processes; the other process reads the stored value") {
        twoCaches { first, second, redis ->
            val loads = AtomicInteger()
            val gate = CompletableDeferred<Unit>()

            suspend fun call(cache: Cache) =
                cache.cached(ttl = 1.minutes, key = "report", lock = true) {
                    loads.incrementAndGet()
                    gate.await()
                    "report"
                }
            val fromFirst = List(50) { async { call(first) } }
            awaitTrue { loads.get() == 1 }
            val fromSecond = List(50) { async { call(second) } }
            // The second process is waiting for the first one's lock (both listen for releases) before the load is
            // let go.
            awaitTrue { releaseListeners(redis) == 2L }
            gate.complete(Unit)
            withTimeout(10.seconds) { (fromFirst + fromSecond).awaitAll() }.toSet() shouldBe setOf("report")
            loads.get() shouldBe 1
        }
    }

    test("early: a stale value is refreshed once across processes, and everyone gets the stale value meanwhile") {
        twoCaches { first, second, redis ->
            val refreshes = AtomicInteger()
            val gate = CompletableDeferred<Unit>()

            suspend fun call(cache: Cache) =
                cache.early(ttl = 1.hours, key = "rates", earlyTtl = 1.minutes) {
                    if (refreshes.getAndIncrement() == 0) "v1" else gate.await().let { "v2" }
                }
            call(first) shouldBe "v1"
            // The value goes stale: its freshness marker is gone, as after earlyTtl.
            raw(redis) { it.del("early:rates:fresh").await() }
            (List(50) { async { call(first) } } + List(50) { async { call(second) } }).awaitAll().toSet() shouldBe
                setOf("v1")
            gate.complete(Unit)
            awaitTrue { second.get<String>("early:rates") == "v2" }
            refreshes.get() shouldBe 2
        }
    }
})

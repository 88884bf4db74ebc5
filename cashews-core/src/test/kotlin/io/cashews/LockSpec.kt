package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class LockSpec : FunSpec({
    test("lock without waiting fails with LockedError while held") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            cache.setLock("job", "other", 1.minutes)
            shouldThrow<LockedError> { cache.lock("job", 1.minutes, wait = false) { } }.message shouldContain "'job'"
        }
    }

    test("a waiting lock runs as soon as the holder releases") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            val holding = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val order = mutableListOf<String>()
            val first =
                launch {
                    cache.lock("job", 1.minutes) {
                        order += "first"
                        holding.complete(Unit)
                        release.await()
                    }
                }
            holding.await()
            val second = async { cache.lock("job", 1.minutes) { order += "second" } }
            runCurrent()
            order shouldBe listOf("first")
            release.complete(Unit)
            first.join()
            second.await()
            order shouldBe listOf("first", "second")
        }
    }

    test("a bounded wait gives up with LockedError") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            cache.setLock("job", "other", 1.minutes)
            shouldThrow<LockedError> { cache.lock("job", 1.minutes, waitTimeout = 1.seconds) { } }.message shouldContain
                "after waiting 1s"
        }
    }

    test("a cancelled block still releases its lock") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            val entered = CompletableDeferred<Unit>()
            val job =
                launch {
                    cache.lock("job", 1.minutes) {
                        entered.complete(Unit)
                        CompletableDeferred<Unit>().await()
                    }
                }
            entered.await()
            cache.isLocked("job") shouldBe true
            job.cancelAndJoin()
            cache.isLocked("job") shouldBe false
        }
    }

    test("isLocked with wait sees a release that happens while waiting") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            cache.setLock("job", "t", 1.minutes)
            launch {
                kotlinx.coroutines.delay(250.milliseconds)
                cache.unlock("job", "t")
            }
            cache.isLocked("job", wait = 1.seconds) shouldBe false
            cache.setLock("job", "t", 1.minutes)
            cache.isLocked("job", wait = 300.milliseconds) shouldBe true
        }
    }

    test("a waiter wakes when the holder releases, not at its next check") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            val release = CompletableDeferred<Unit>()
            val holding = CompletableDeferred<Unit>()
            launch {
                cache.lock("job", 1.minutes) {
                    holding.complete(Unit)
                    release.await()
                }
            }
            holding.await()
            val waiter = async { cache.lock("job", 1.minutes, step = 1.hours) { currentTime } }
            runCurrent()
            delay(5.seconds)
            release.complete(Unit)
            waiter.await() shouldBe 5_000
        }
    }

    test("a renewed lease outlives its ttl while the block runs, and a crashed holder's lock still expires") {
        runTest {
            val cache = Cache("mem://", testScheduler.timeSource)
            val done = CompletableDeferred<Unit>()
            val holder = launch { cache.lock("job", 1.seconds, renew = true) { done.await() } }
            runCurrent()
            delay(10.seconds)
            cache.setLock("job", "other", 1.minutes) shouldBe false
            done.complete(Unit)
            holder.join()
            cache.isLocked("job") shouldBe false

            cache.setLock("crashed", "gone", 1.seconds)
            cache.renewLock("crashed", "someone else", 1.minutes) shouldBe false
            delay(1.seconds)
            cache.setLock("crashed", "next", 1.minutes) shouldBe true
        }
    }

    test("cached(lock = true) loads once across caches sharing a backend; the others read the stored value") {
        runTest {
            val shared = MemoryBackend(timeSource = testScheduler.timeSource, checkInterval = null)
            val caches = List(2) { Cache(testScheduler.timeSource).apply { setup(shared) } }
            var loads = 0
            val results =
                List(20) { i ->
                    async {
                        caches[i % 2].cached(ttl = 1.minutes, key = "report", lock = true) {
                            loads++
                            // Longer than the lock's own ttl (the value's): the lease is renewed while the load runs.
                            delay(3.minutes)
                            "built at $currentTime"
                        } to currentTime
                    }
                }.awaitAll()
            loads shouldBe 1
            // Everyone is answered the moment the load is stored, woken by the release rather than by a poll.
            results.toSet() shouldBe setOf("built at 180000" to 180_000L)
        }
    }
    test("an infinite TTL for expire and for locks is a typed error naming it, not a NullPointerException") {
        runTest {
            val cache = Cache("mem://")
            cache.set("k", "v")
            shouldThrow<InvalidTtlError> { cache.expire("k", Duration.INFINITE) }.message shouldContain "Infinity"
            shouldThrow<InvalidTtlError> { cache.setLock("l", "t", Duration.INFINITE) }.message shouldContain "Infinity"
            shouldThrow<InvalidTtlError> { cache.renewLock("l", "t", Duration.INFINITE) }.message shouldContain "finite"
            shouldThrow<InvalidTtlError> { cache.lock("l", Duration.INFINITE) { "ran" } }.message shouldContain "finite"
            cache.ttl("k") shouldBe KeyTtl.Persistent
        }
    }
})

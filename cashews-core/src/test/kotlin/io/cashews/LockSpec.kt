package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
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
            val job = launch { cache.lock("job", 1.minutes) { entered.complete(Unit); CompletableDeferred<Unit>().await() } }
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
})

package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class BackgroundScopeSpec : FunSpec({
    test("a background refresh runs in the scope given to the cache, and cancelling that scope stops it") {
        runTest {
            val time = TestTimeSource()
            val given = CoroutineScope(Job() + StandardTestDispatcher(testScheduler))
            val cache = Cache("mem://", time, given)
            val started = CompletableDeferred<Unit>()
            val stopped = CompletableDeferred<Throwable>()
            var loads = 0

            suspend fun rates() =
                cache.early(1.minutes, "rates", earlyTtl = 10.seconds) {
                    if (++loads == 1) return@early "v1"
                    started.complete(Unit)
                    try {
                        awaitCancellation()
                    } catch (e: Throwable) {
                        stopped.complete(e)
                        throw e
                    }
                }
            rates() shouldBe "v1"
            time += 11.seconds
            rates() shouldBe "v1"
            runCurrent()
            started.isCompleted shouldBe true
            given.cancel()
            runCurrent()
            (stopped.await() is kotlinx.coroutines.CancellationException) shouldBe true
        }
    }
})

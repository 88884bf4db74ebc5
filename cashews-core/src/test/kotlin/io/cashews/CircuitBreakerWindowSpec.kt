package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import java.io.IOException
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class CircuitBreakerWindowSpec : FunSpec({
    suspend fun Cache.failingCall() {
        shouldThrow<IOException> {
            circuitBreaker(errorsRate = 100.0, period = 1.minutes, ttl = 30.seconds, key = "b", minCalls = 2) {
                throw IOException("down")
            }
        }
    }

    suspend fun Cache.isOpen(): Boolean =
        try {
            circuitBreaker(errorsRate = 100.0, period = 1.minutes, ttl = 30.seconds, key = "b", minCalls = 2) { }
            false
        } catch (e: CircuitBreakerOpen) {
            true
        }

    test("calls are counted over the last period, sliding with each call: two failures 59 s apart open the breaker") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.failingCall()
            time += 59.seconds
            cache.failingCall()
            cache.isOpen() shouldBe true
        }
    }

    test("a failure older than the period has left the window: two failures 61 s apart do not") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.failingCall()
            time += 61.seconds
            cache.failingCall()
            cache.isOpen() shouldBe false
        }
    }
})

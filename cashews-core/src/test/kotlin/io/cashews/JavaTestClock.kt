package io.cashews

import kotlin.time.TestTimeSource
import kotlin.time.toKotlinDuration

/** Advances a [TestTimeSource] from Java tests, whose `plusAssign` takes a Kotlin `Duration` Java cannot name. */
object JavaTestClock {
    @JvmStatic
    fun advance(
        clock: TestTimeSource,
        by: java.time.Duration,
    ) {
        clock += by.toKotlinDuration()
    }
}

package io.cashews

import com.github.benmanes.caffeine.cache.Ticker
import kotlin.time.TimeSource

/**
 * A Caffeine [Ticker] reading [timeSource]: the system ticker for the real clock, otherwise the time elapsed since
 * now, so a test time source drives Caffeine's expiry in virtual time.
 */
internal fun tickerOf(timeSource: TimeSource): Ticker {
    if (timeSource === TimeSource.Monotonic) return Ticker.systemTicker()
    val origin = timeSource.markNow()
    return Ticker { origin.elapsedNow().inWholeNanoseconds }
}

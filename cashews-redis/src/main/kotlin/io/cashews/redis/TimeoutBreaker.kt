package io.cashews.redis

import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * Takes Redis as down after [threshold] consecutive command timeouts (a frozen server keeps its connection open, so
 * nothing else tells), so that commands answer at once instead of each waiting out the timeout. While open, the
 * backend probes Redis in the background and [close]s this breaker when a probe is answered. A [threshold] of 0
 * never opens.
 */
internal class TimeoutBreaker(private val threshold: Int) {
    private val consecutive = AtomicInteger()
    private val open = AtomicBoolean()

    /** Whether Redis is taken as down: commands should not be sent. */
    val isOpen: Boolean get() = open.get()

    /** Counts a timeout; returns `true` for the one that opened the breaker, whose caller starts the probing. */
    fun timedOut(): Boolean =
        threshold > 0 && consecutive.incrementAndGet() >= threshold && open.compareAndSet(false, true)

    /** A command was answered: the timeouts before it were not consecutive. Writes only when there is something to reset. */
    fun answered() {
        if (consecutive.get() != 0) consecutive.set(0)
    }

    /** A probe was answered: commands are sent again. */
    fun close() {
        consecutive.set(0)
        open.set(false)
    }
}

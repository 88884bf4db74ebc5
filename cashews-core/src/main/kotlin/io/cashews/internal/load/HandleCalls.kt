package io.cashews.internal.load

import java.util.concurrent.atomic.LongAdder

/** What a function handle counts: see [io.cashews.CachedFunctionInfo]. */
internal class HandleCounters {
    val hits = LongAdder()
    val misses = LongAdder()
    val loads = LongAdder()
}

/**
 * What one call of a function handle adds to its policy on the loading path: the tags rendered with the call's
 * arguments, and the handle's counters.
 */
internal class HandleCall(
    val tags: Collection<String>,
    val counters: HandleCounters,
)

package io.cashews.internal.load

import java.util.concurrent.atomic.LongAdder

/** What a function handle counts: see [io.cashews.CachedFunctionInfo]. */
internal class HandleCounters {
    val hits = LongAdder()
    val misses = LongAdder()
    val loads = LongAdder()
}

/**
 * What one call adds to its policy on the loading path: the tags rendered with the call's arguments, and the
 * counters of the handle it was made through (`null` for a one-off call, which nothing counts for).
 */
internal class HandleCall(
    val tags: Collection<String>,
    val counters: HandleCounters?,
)

package io.cashews

import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * How a [CachedFunction] has fared since it was built: cashews' `cache_info`.
 *
 * A call is a hit when it was answered from the cache without waiting for a load, and a miss when it was not
 * (it loaded, or waited for a load another call started); [loads] counts the runs of the function itself, so
 * `misses - loads` calls were spared a load by single-flight.
 */
public class CachedFunctionInfo(
    /** Calls answered from the cache. */
    public val hits: Long,
    /** Calls that loaded, or waited for a load. */
    public val misses: Long,
    /** Runs of the function. */
    public val loads: Long,
    /** Values the handle holds now, on its backend. */
    public val size: Long,
    /**
     * How long ago the backend last swept out expired entries; `null` when it has not swept yet or does not sweep
     * (Redis and disk expire keys themselves).
     */
    public val sinceExpirySweep: Duration?,
) {
    /**
     * [sinceExpirySweep] as a [java.time.Duration]; Java reads it as `info.getSinceExpirySweep()`, since the Kotlin
     * property's getter has a mangled name.
     */
    @JvmName("getSinceExpirySweep")
    public fun sinceExpirySweepJavaDuration(): java.time.Duration? = sinceExpirySweep?.toJavaDuration()

    override fun toString(): String =
        "CachedFunctionInfo(hits=$hits, misses=$misses, loads=$loads, size=$size, sinceExpirySweep=$sinceExpirySweep)"
}

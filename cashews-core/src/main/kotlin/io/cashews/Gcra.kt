package io.cashews

/**
 * The arithmetic of the generic cell rate algorithm, shared by the backends that keep token buckets in this process
 * or in a database ([TokenBucketBackend]); Redis runs the same steps in a script. Times and intervals are in one unit
 * of the caller's choice (nanoseconds, milliseconds).
 *
 * A bucket's state is its theoretical arrival time `tat`: when it would be full again. Taking `cost` tokens moves it
 * `interval × cost` on from `max(tat, now)`; that is allowed while it stays within `interval × burst` of now.
 */
@InternalCacheApi
public object Gcra {
    /** The outcome of one decision: [newTat] to store when [admitted], else nothing changes. */
    public class Decision(
        /** Whether the tokens may be taken. */
        public val admitted: Boolean,
        /** The arrival time to store when [admitted]; the current one otherwise. */
        public val newTat: Long,
        /** The whole tokens left after this decision. */
        public val remaining: Long,
        /** How long until the tokens will be there; `0` when [admitted]. */
        public val retryAfter: Long,
    )

    /** Decides a call at [now] on a bucket whose stored arrival time is [tat] (`null` for a full bucket). */
    public fun decide(tat: Long?, now: Long, interval: Long, burst: Long, cost: Long): Decision {
        val limit = interval * burst
        val from = if (tat == null || tat < now) now else tat
        val newTat = from + interval * cost
        val ahead = newTat - now
        if (ahead > limit) return Decision(false, from, (limit - (from - now)) / interval, ahead - limit)
        return Decision(true, newTat, (limit - ahead) / interval, 0)
    }

    /**
     * [interval] and [burst] checked so that no sum above can overflow: positive, and `interval × burst` at most a
     * hundred years of nanoseconds.
     */
    public fun check(interval: Long, burst: Long, cost: Long) {
        require(interval > 0) { "token bucket interval must be positive, was $interval" }
        require(burst > 0) { "token bucket burst must be positive, was $burst" }
        require(cost in 1..burst) { "a call must take between 1 and burst ($burst) tokens, was $cost" }
        require(burst <= MAX_SPAN / interval) {
            "token bucket span (interval $interval × burst $burst) is too long: at most $MAX_SPAN"
        }
    }

    private const val MAX_SPAN = 100L * 365 * 24 * 3600 * 1_000_000_000L
}

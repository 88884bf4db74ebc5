package io.cashews

import kotlin.time.Duration

/**
 * Told what a cache's strategies and backends do: the feed behind metrics (see the `cashews-micrometer` module).
 * Register one with [Cache.addListener]. Every method does nothing by default: override what you need.
 *
 * **Contract.** Methods are called synchronously on the thread doing the work (a hit is reported on the hit path),
 * so they must be fast and must not block or suspend; count, don't log. They must not throw: an exception is caught,
 * logged once per listener, and otherwise ignored, so it can never fail a cache call.
 *
 * Strategy events carry the strategy's name (`cached`, `early`, `soft`, `failover`, `hit`) and the storage key.
 */
public interface CacheEventListener {
    /** A strategy served a fresh value from the cache. */
    public fun onHit(key: String, strategy: String) {}

    /** A strategy found nothing usable and will load (or wait for another caller's load). */
    public fun onMiss(key: String, strategy: String) {}

    /** A strategy's block ran and returned a value after [duration] (background refreshes included). */
    public fun onLoad(key: String, strategy: String, duration: Duration) {}

    /** A strategy's block ran and threw [error] after [duration]. */
    public fun onLoadFailure(key: String, strategy: String, error: Throwable, duration: Duration) {}

    /** A strategy served a stale value (early before its refresh, soft or failover after a failure). */
    public fun onStaleServed(key: String, strategy: String) {}

    /** A strategy stored a loaded value (or a cached exception). */
    public fun onPut(key: String, strategy: String) {}

    /** A backend evicted [key] to stay within its size bound; [layer] names the backend (`mem`, `redis`, …). */
    public fun onEviction(key: String, layer: String) {}

    /** A call was refused by a rate limit or an open circuit breaker at [key]. */
    public fun onRejected(key: String, reason: Rejection) {}

    /**
     * The circuit breaker at [key] went from [from] to [to], as seen by this process (the call that caused the change
     * reports it; a half-open breaker that closes for lack of trials is not reported).
     */
    public fun onBreakerStateChanged(key: String, from: BreakerState, to: BreakerState) {}

    /** A warm-up named [name] ([Cache.warmUp]) has gone through [done] of its [total] ids. */
    public fun onWarmUp(name: String, done: Long, total: Long) {}
}

/** Why a call was refused ([CacheEventListener.onRejected]). */
public enum class Rejection {
    /** A [rateLimit] or [sliceRateLimit] was exhausted. */
    RATE_LIMITED,

    /** A [circuitBreaker] was open (or half-open with its trial calls taken). */
    CIRCUIT_OPEN,
}

/** The states of a [circuitBreaker]. */
public enum class BreakerState {
    CLOSED,
    OPEN,
    HALF_OPEN,
}

package io.cashews

import kotlin.coroutines.CoroutineContext

/**
 * What a strategy does while its backend cannot answer (unreachable, timed out, loading a dataset, failing over):
 * each family has its own safe default, and each call can choose another.
 *
 * | family | default | also accepted |
 * |---|---|---|
 * | locks ([Cache.lock], [locked]) | [FAIL_CLOSED] | [LOCAL], [FAIL_OPEN] |
 * | rate limits ([rateLimit], [sliceRateLimit]) | [LOCAL] | [FAIL_CLOSED] |
 * | circuit breakers ([circuitBreaker]) | [LOCAL] | [FAIL_CLOSED], [FAIL_OPEN] |
 *
 * Caching strategies always fail open: they call their loaders and store nothing (see README, "Failure behaviour").
 */
public enum class OutagePolicy {
    /**
     * Go on as if the backend were not there: a lock runs its block unlocked, a breaker lets calls through uncounted.
     * Refused for rate limits, which never fall back to "unlimited".
     */
    FAIL_OPEN,

    /**
     * Refuse: a lock raises [BackendUnavailableError], a rate limit refuses the call as over its limit (its action
     * answers, or [RateLimitError] with no retry time), a breaker raises [CircuitBreakerOpen] with no retry time.
     */
    FAIL_CLOSED,

    /**
     * Keep the state in this process until the backend answers again: a lock excludes the callers of this cache,
     * a rate limit admits [limit][rateLimit] calls per period from this cache, a breaker counts this cache's calls.
     * Several processes then each apply the policy on their own, so a limit shared by N processes admits up to N
     * times its calls.
     */
    LOCAL,
}

/**
 * A backend that can answer an outage neutrally (a read misses, a write reports `false`, a counter `0`) instead of
 * raising [BackendUnavailableError], as the Redis backend does with `suppress=true`. Strategies that must know
 * about an outage (locks, rate limits, breakers) run their commands with [RaiseOutages] in their context.
 */
public interface OutageSuppressingBackend {
    /** Whether outages are answered neutrally while the caller's context does not hold [RaiseOutages]. */
    public val suppressesOutages: Boolean
}

/**
 * In a coroutine context: an [OutageSuppressingBackend] must raise [BackendUnavailableError] for an outage rather
 * than answer it neutrally. A neutral `false` from `setLock` would read as "locked by someone else", and a neutral
 * `0` from a rate-limit counter as "admitted".
 */
public object RaiseOutages : CoroutineContext.Element, CoroutineContext.Key<RaiseOutages> {
    override val key: CoroutineContext.Key<*> get() = this

    override fun toString(): String = "RaiseOutages"
}

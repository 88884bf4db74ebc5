package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.route.raisingOutages
import kotlin.time.Duration

/**
 * Runs [block] if fewer than [limit] calls were made under [key] in the current window of [period]; otherwise
 * returns what [action] returns, or throws [RateLimitError] when there is no action.
 *
 * ```
 * suspend fun search(user: String, q: String) = cache.rateLimit(limit = 100, period = 1.minutes, key = "search:$user") { index.search(q) }
 * ```
 *
 * A fixed window: the first call creates a counter at `"$prefix:$key"` that expires after [period]. The first call
 * over the limit starts a [ban] (default: one [period]; `null` for none) during which every call is refused. The
 * count lives in the backend and is incremented atomically, so the limit is exact however many callers and
 * processes share it: of 1 000 concurrent callers with a limit of 100, exactly 100 pass.
 *
 * While the backend cannot answer, [whenUnavailable] decides: by default ([OutagePolicy.LOCAL]) calls are counted
 * in this process against the same limit until the backend answers again; [OutagePolicy.FAIL_CLOSED] refuses every
 * call. A rate limit never admits unlimited calls, so [OutagePolicy.FAIL_OPEN] is refused.
 *
 * @throws IllegalArgumentException when [limit] is not positive or [whenUnavailable] is [OutagePolicy.FAIL_OPEN].
 * @throws InvalidTtlError when [period] or [ban] is not positive.
 */
public suspend fun <T> Cache.rateLimit(
    limit: Long,
    period: Duration,
    key: String,
    ban: Duration? = period,
    prefix: String = "rate_limit",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T {
    val refused = fixedWindowRefusal(prefix, key, limit, period, ban, whenUnavailable) ?: return block()
    return refusedAnswer(refused, action)
}

/** [rateLimit] with the key rendered from the template [key] and [args]: `KeyTemplate.of("search:{user}")`. */
public suspend fun <T> Cache.rateLimit(
    limit: Long,
    period: Duration,
    key: KeyTemplate,
    args: Map<String, Any?>,
    ban: Duration? = period,
    prefix: String = "rate_limit",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T = rateLimit(limit, period, key.renderInContext(args), ban, prefix, whenUnavailable, action, block)

/**
 * [rateLimit] without a key: the key is derived from the call site and the values [block] captures, as [cached]
 * without a key derives it, so `cache.rateLimit(100, 1.minutes) { index.search(user, q) }` limits each `user` and
 * `q` on their own. Capture only what the limit is per.
 */
public suspend fun <T> Cache.rateLimit(
    limit: Long,
    period: Duration,
    ban: Duration? = period,
    prefix: String = "rate_limit",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T = rateLimit(limit, period, DerivedKey.of(block), ban, prefix, whenUnavailable, action, block)

/** Counts one call at [key]; `null` when it is admitted, else the error that refuses it. */
internal suspend fun Cache.fixedWindowRefusal(
    prefix: String,
    name: String,
    limit: Long,
    period: Duration,
    ban: Duration?,
    whenUnavailable: OutagePolicy,
): RateLimitError? {
    val key = strategyKey(prefix, name)
    requirePositiveLimit(limit)
    Ttl.requirePositive(period)
    ban?.let(Ttl::requirePositive)
    requireLimitPolicy(whenUnavailable)
    val route = route(key)
    return try {
        raisingOutages(route) {
            // The counter itself, without the tag bookkeeping of Cache.incr: rate-limit counters are never tagged,
            // and that bookkeeping would cost a byte backend a second round trip per decision.
            val count = backendOf(route).incr(key, 1, period)
            when {
                count <= limit -> {
                    null
                }

                else -> {
                    if (count == limit + 1 && ban != null) expire(key, ban)
                    RateLimitError(key, limit, period, (ttl(key) as? KeyTtl.Expiring)?.remaining)
                }
            }
        }
    } catch (e: BackendUnavailableError) {
        when (whenUnavailable) {
            OutagePolicy.LOCAL -> outageFallback.fixedWindowRefusal("", key, limit, period, ban, whenUnavailable)
            else -> RateLimitError(key, limit, period, null)
        }
    }
}

/** Returns [limit], checked to be a positive number of calls. */
internal fun requirePositiveLimit(limit: Long): Long {
    require(limit > 0) { "rate limit must be positive, was $limit" }
    return limit
}

/** Rate limits keep their state in this process or refuse while the backend is down; they never admit everything. */
internal fun requireLimitPolicy(whenUnavailable: OutagePolicy) {
    require(whenUnavailable != OutagePolicy.FAIL_OPEN) {
        "a rate limit never falls back to unlimited calls: whenUnavailable must be LOCAL or FAIL_CLOSED, was FAIL_OPEN"
    }
}

/** What a refused call answers: [action]'s result (which may be `null`), or [refused] thrown without one. */
internal suspend fun <T> Cache.refusedAnswer(refused: RateLimitError, action: (suspend (RateLimitError) -> T)?): T {
    if (events.reporting) events.rejected(refused.key, Rejection.RATE_LIMITED)
    if (action == null) throw refused
    return action(refused)
}

package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.route.raisingOutages
import kotlin.time.Duration

/**
 * Runs [block] if fewer than [limit] calls were admitted under [key] in the last [period] (a sliding window);
 * otherwise returns what [action] returns, or throws [RateLimitError] when there is no action.
 *
 * Each admitted call is logged with its time at `"$prefix:$key"` (through [Cache.sliceIncr], atomic in the backend)
 * and leaves the window exactly [period] later. Refused calls are not logged (cashews logs the first one, which
 * under steady excess traffic keeps the window full for good). The times are wall-clock milliseconds advanced by the
 * cache's time source, so processes sharing a backend share one window.
 *
 * While the backend cannot answer, [whenUnavailable] decides, as for [rateLimit]: by default the window is kept in
 * this process until the backend answers again.
 *
 * @throws IllegalArgumentException when [limit] is not positive or [whenUnavailable] is [OutagePolicy.FAIL_OPEN].
 * @throws InvalidTtlError when [period] is not positive.
 */
public suspend fun <T> Cache.sliceRateLimit(
    limit: Long,
    period: Duration,
    key: String,
    prefix: String = "srl",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T {
    val refused = slidingWindowRefusal(prefix, key, limit, period, whenUnavailable) ?: return block()
    return refusedAnswer(refused, action)
}

/** [sliceRateLimit] with the key rendered from the template [key] and [args]. */
public suspend fun <T> Cache.sliceRateLimit(
    limit: Long,
    period: Duration,
    key: KeyTemplate,
    args: Map<String, Any?>,
    prefix: String = "srl",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T = sliceRateLimit(limit, period, key.renderInContext(args), prefix, whenUnavailable, action, block)

/**
 * [sliceRateLimit] without a key: the key is derived from the call site and the values [block] captures, as
 * [cached] without a key derives it. Capture only what the limit is per.
 */
public suspend fun <T> Cache.sliceRateLimit(
    limit: Long,
    period: Duration,
    // Not `prefix` third, as on the keyed form: `sliceRateLimit(1, period, "key") { … }` must keep meaning a key.
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    prefix: String = "srl",
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T = sliceRateLimit(limit, period, DerivedKey.of(block), prefix, whenUnavailable, action, block)

/** Logs one call at [key]; `null` when it is admitted, else the error that refuses it. */
internal suspend fun Cache.slidingWindowRefusal(
    prefix: String,
    name: String,
    limit: Long,
    period: Duration,
    whenUnavailable: OutagePolicy,
): RateLimitError? {
    val key = strategyKey(prefix, name)
    requirePositiveLimit(limit)
    val window = Ttl.requirePositive(period).inWholeMilliseconds.coerceAtLeast(1)
    requireLimitPolicy(whenUnavailable)
    val now = epochMillis()
    // The window (now - period, now]: a call made at t counts until t + period, exclusive.
    val count =
        try {
            raisingOutages(route(key)) { sliceIncr(key, now - window + 1, now, limit, period) }
        } catch (e: BackendUnavailableError) {
            when (whenUnavailable) {
                OutagePolicy.LOCAL -> return outageFallback.slidingWindowRefusal(
                    "",
                    key,
                    limit,
                    period,
                    whenUnavailable,
                )

                else -> limit + 1
            }
        }
    return if (count <= limit) null else RateLimitError(key, limit, period, null)
}

package io.cashews

import io.cashews.internal.route.raisingOutages
import kotlin.time.Duration

/**
 * Runs [block] if the token bucket at [key] holds [cost] tokens, taking them; otherwise returns what [action] returns,
 * or throws [RateLimitError] with the time until the tokens will be there ([RateLimitError.retryAfter]).
 *
 * ```
 * suspend fun search(user: String, q: String) =
 *     cache.tokenBucket(rate = 10, period = 1.seconds, burst = 20, key = "search:$user") { index.search(q) }
 * ```
 *
 * Bucket4j's token bucket: the bucket holds at most [burst] tokens (default [rate]) and gains [rate] per [period],
 * one every `period / rate`, so a client idle for long may make [burst] calls at once and then [rate] per [period].
 * It is kept by the generic cell rate algorithm: one number per bucket, updated atomically by the backend (a script
 * on Redis, using the server's clock), so the limit is exact however many callers and processes share it: of 1 000
 * concurrent callers against a burst of 100, exactly 100 pass. The number is stored at `"$prefix:$key"` with a TTL
 * after which the bucket is full again, so idle buckets take no space.
 *
 * While the backend cannot answer, [whenUnavailable] decides as for [rateLimit]: [OutagePolicy.LOCAL] keeps the
 * bucket in this process until the backend answers again, [OutagePolicy.FAIL_CLOSED] refuses every call.
 *
 * @throws IllegalArgumentException when [rate] or [burst] is not positive, [cost] is not within `1..burst`, or
 *   [whenUnavailable] is [OutagePolicy.FAIL_OPEN].
 * @throws InvalidTtlError when [period] is not positive.
 */
public suspend fun <T> Cache.tokenBucket(
    rate: Long,
    period: Duration,
    key: String,
    burst: Long = rate,
    cost: Long = 1,
    prefix: String = "token_bucket",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    action: (suspend (RateLimitError) -> T)? = null,
    block: suspend () -> T,
): T {
    val refused = tokenBucketRefusal(strategyKey(prefix, key), rate, period, burst, cost, whenUnavailable)
    return if (refused == null) block() else refusedAnswer(refused, action)
}

/** Takes [cost] tokens from the bucket at [key] (the full key); `null` when they were taken, else the refusal. */
internal suspend fun Cache.tokenBucketRefusal(
    key: String,
    rate: Long,
    period: Duration,
    burst: Long,
    cost: Long,
    whenUnavailable: OutagePolicy,
): RateLimitError? {
    requirePositiveLimit(rate)
    Ttl.requirePositive(period)
    requireLimitPolicy(whenUnavailable)
    val interval = period / rate.toDouble()
    require(interval.inWholeNanoseconds > 0) { "token bucket rate $rate per $period is more than one per nanosecond" }
    val route = route(key)
    return try {
        val grant = raisingOutages(route) { takeTokens(key, interval, burst, cost) }
        if (grant.admitted) null else RateLimitError(key, rate, period, grant.retryAfter)
    } catch (e: BackendUnavailableError) {
        when (whenUnavailable) {
            OutagePolicy.LOCAL -> outageFallback.tokenBucketRefusal(key, rate, period, burst, cost, whenUnavailable)
            else -> RateLimitError(key, rate, period, null)
        }
    }
}

package io.cashews.java

import io.cashews.JavaCache
import io.cashews.OutagePolicy
import io.cashews.RateLimitError
import io.cashews.Ttl
import io.cashews.circuitBreaker
import io.cashews.rateLimit
import io.cashews.sliceRateLimit
import io.cashews.tokenBucket
import java.util.concurrent.CompletableFuture
import java.util.function.Function
import java.util.function.Supplier
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/**
 * What the Java builders of the guards (rate limits, circuit breaker) share: the settings every guard has, and how a
 * guarded call runs, with a future ([call]) or blocking the caller ([callBlocking]). A builder is a reusable recipe:
 * each call takes the settings as they are then.
 */
public abstract class GuardBuilder<B : GuardBuilder<B>> internal constructor(
    internal val cache: JavaCache,
    internal var prefix: String,
) {
    internal var whenUnavailable: OutagePolicy = OutagePolicy.LOCAL

    /** The prefix of the guard's state in the backend (`prefix:key`). */
    public fun prefix(prefix: String): B = apply { this.prefix = prefix }.self()

    /** What happens while the backend cannot answer; see [OutagePolicy]. */
    public fun whenUnavailable(
        whenUnavailable: OutagePolicy,
    ): B = apply { this.whenUnavailable = whenUnavailable }.self()

    @Suppress("UNCHECKED_CAST")
    internal fun self(): B = this as B

    /** Runs [block] through the guard at [key]; a refused call completes exceptionally (see each guard). */
    public fun <R> call(key: String, block: Supplier<CompletableFuture<R>>): CompletableFuture<R> =
        cache.call { guard(key, null) { block.get().awaitReturned("the guarded block") } }

    /** [call], blocking the caller while [block] runs on the calling thread. */
    @Throws(InterruptedException::class)
    public fun <R> callBlocking(key: String, block: Supplier<R>): R = javaBlocking { guard(key, null) { block.get() } }

    /** [call] from a coroutine: runs [block] through the guard at [key]; a refused call throws (see each guard). */
    public suspend fun <R> guarded(key: String, block: suspend () -> R): R = guard(key, null, block)

    internal abstract suspend fun <R> guard(
        key: String,
        action: (suspend (RateLimitError) -> R)?,
        block: suspend () -> R,
    ): R
}

/**
 * What the rate-limit builders share: besides refusing with [RateLimitError], a refused call can be answered by an
 * `action` given to [call] or [callBlocking].
 */
public abstract class RateLimitGuardBuilder<B : RateLimitGuardBuilder<B>> internal constructor(
    cache: JavaCache,
    prefix: String,
) : GuardBuilder<B>(cache, prefix) {
    /** Runs [block] under the limit at [key]; a refused call completes with what [action] answers instead. */
    public fun <R> call(
        key: String,
        block: Supplier<CompletableFuture<R>>,
        action: Function<RateLimitError, CompletableFuture<R>>,
    ): CompletableFuture<R> =
        cache.call {
            guard(key, { refused -> action.apply(refused).awaitReturned("the refusal action") }) {
                block.get().awaitReturned("the guarded block")
            }
        }

    /** [call] with an action, blocking the caller while [block] or [action] runs on the calling thread. */
    @Throws(InterruptedException::class)
    public fun <R> callBlocking(key: String, block: Supplier<R>, action: Function<RateLimitError, R>): R =
        javaBlocking { guard(key, { refused -> action.apply(refused) }) { block.get() } }

    /** [guarded] with an action answering a refused call instead of [RateLimitError]. */
    public suspend fun <R> guarded(
        key: String,
        action: suspend (RateLimitError) -> R,
        block: suspend () -> R,
    ): R = guard(key, action, block)
}

/**
 * A fixed-window rate limit from Java ([io.cashews.rateLimit]): at most `limit` calls under a key per `period`.
 *
 * ```java
 * RateLimitBuilder search = jc.rateLimit(100, Duration.ofMinutes(1)).ban(Duration.ofMinutes(5));
 * search.call("search:" + user, () -> index.searchAsync(q), refused -> CompletableFuture.completedFuture(List.of()));
 * ```
 */
public class RateLimitBuilder internal constructor(
    cache: JavaCache,
    private val limit: Long,
    private val period: Duration,
) : RateLimitGuardBuilder<RateLimitBuilder>(cache, "rate_limit") {
    private var ban: Duration? = period

    /** How long every call is refused once one went over the limit (`null`: no ban). Default: one period. */
    public fun ban(ban: java.time.Duration?): RateLimitBuilder = apply { this.ban = ban?.toKotlinDuration() }

    /** [ban] as a TTL string (`"5m"`). */
    public fun ban(ban: String): RateLimitBuilder = apply { this.ban = Ttl.parse(ban) }

    override suspend fun <R> guard(
        key: String,
        action: (suspend (RateLimitError) -> R)?,
        block: suspend () -> R,
    ): R = cache.cache.rateLimit(limit, period, key, ban, prefix, whenUnavailable, action, block)
}

/** A sliding-window rate limit from Java ([io.cashews.sliceRateLimit]): at most `limit` calls in any `period`. */
public class SliceRateLimitBuilder internal constructor(
    cache: JavaCache,
    private val limit: Long,
    private val period: Duration,
) : RateLimitGuardBuilder<SliceRateLimitBuilder>(cache, "srl") {
    override suspend fun <R> guard(
        key: String,
        action: (suspend (RateLimitError) -> R)?,
        block: suspend () -> R,
    ): R = cache.cache.sliceRateLimit(limit, period, key, prefix, whenUnavailable, action, block)
}

/**
 * A token bucket from Java ([io.cashews.tokenBucket]): `burst` calls at once, then `rate` per `period`; a refusal
 * carries the time until the next token ([RateLimitError.retryAfter]).
 *
 * ```java
 * TokenBucketBuilder api = jc.tokenBucket(10, Duration.ofSeconds(1)).burst(20);
 * api.call("api:" + client, () -> service.handleAsync(request));
 * ```
 */
public class TokenBucketBuilder internal constructor(
    cache: JavaCache,
    private val rate: Long,
    private val period: Duration,
) : RateLimitGuardBuilder<TokenBucketBuilder>(cache, "token_bucket") {
    private var burst: Long = rate
    private var cost: Long = 1

    /** How many tokens the bucket holds at most: the calls an idle client may make at once. Default: the rate. */
    public fun burst(burst: Long): TokenBucketBuilder =
        apply {
            require(burst > 0) { "token bucket burst must be positive, was $burst" }
            this.burst = burst
        }

    /** How many tokens each call takes (default 1), at most the burst. */
    public fun cost(cost: Long): TokenBucketBuilder =
        apply {
            require(cost > 0) { "a call must take at least 1 token, was $cost" }
            this.cost = cost
        }

    override suspend fun <R> guard(
        key: String,
        action: (suspend (RateLimitError) -> R)?,
        block: suspend () -> R,
    ): R = cache.cache.tokenBucket(rate, period, key, burst, cost, prefix, whenUnavailable, action, block)
}

/**
 * A circuit breaker from Java ([io.cashews.circuitBreaker]): opens for `ttl` once `errorsRate` percent of the calls
 * in a `period` failed; a refused call completes exceptionally with [io.cashews.CircuitBreakerOpen].
 *
 * ```java
 * CircuitBreakerBuilder quotes = jc.circuitBreaker(50.0, Duration.ofMinutes(1), Duration.ofSeconds(30))
 *     .minCalls(20).halfOpenCalls(3).exceptions(IOException.class);
 * quotes.call("quotes", () -> api.quoteAsync());
 * ```
 */
public class CircuitBreakerBuilder internal constructor(
    cache: JavaCache,
    private val errorsRate: Double,
    private val period: Duration,
    private val ttl: Duration,
) : GuardBuilder<CircuitBreakerBuilder>(cache, "circuit_breaker") {
    private var halfOpenTtl: Duration = ttl
    private var exceptions: Set<KClass<out Throwable>> = setOf(Exception::class)
    private var minCalls: Long = 1
    private var halfOpenCalls: Long = 1

    /** How long the breaker stays half-open, letting trial calls through, after [ttl]. Default: the open time. */
    public fun halfOpenTtl(halfOpenTtl: java.time.Duration): CircuitBreakerBuilder =
        apply { this.halfOpenTtl = halfOpenTtl.toKotlinDuration() }

    /** The exceptions that count as failures (default: every [Exception]); others pass through uncounted. */
    @SafeVarargs
    public fun exceptions(vararg exceptions: Class<out Throwable>): CircuitBreakerBuilder =
        apply { this.exceptions = exceptions.map { it.kotlin }.toSet() }

    /** How many calls a period needs before the breaker may open (default 1). */
    public fun minCalls(minCalls: Long): CircuitBreakerBuilder = apply { this.minCalls = minCalls }

    /** How many trial calls pass while half-open (default 1). */
    public fun halfOpenCalls(halfOpenCalls: Long): CircuitBreakerBuilder = apply { this.halfOpenCalls = halfOpenCalls }

    override suspend fun <R> guard(
        key: String,
        action: (suspend (RateLimitError) -> R)?,
        block: suspend () -> R,
    ): R =
        cache.cache.circuitBreaker(
            errorsRate,
            period,
            ttl,
            key,
            halfOpenTtl,
            exceptions,
            minCalls,
            halfOpenCalls,
            prefix,
            whenUnavailable,
            block,
        )
}

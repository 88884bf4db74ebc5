package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.route.raisingOutages
import kotlinx.coroutines.CancellationException
import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * [circuitBreaker] without a key: the key is derived from the call site and the values [block] captures, as
 * [cached] without a key derives it, so each dependency the block captures gets a breaker of its own.
 */
public suspend fun <T> Cache.circuitBreaker(
    errorsRate: Double,
    period: Duration,
    ttl: Duration,
    halfOpenTtl: Duration = ttl,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    minCalls: Long = 1,
    halfOpenCalls: Long = 1,
    prefix: String = "circuit_breaker",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    block: suspend () -> T,
): T =
    circuitBreaker(
        errorsRate,
        period,
        ttl,
        DerivedKey.of(block),
        halfOpenTtl,
        exceptions,
        minCalls,
        halfOpenCalls,
        prefix,
        whenUnavailable,
        block,
    )

/**
 * Runs [block] through a circuit breaker whose state lives in the backend at `"$prefix:$key"`, so every process
 * sharing the backend shares one breaker.
 *
 * ```
 * suspend fun quote() = cache.circuitBreaker(errorsRate = 50.0, period = 1.minutes, ttl = 30.seconds, minCalls = 20, key = "quotes") { api.quote() }
 * ```
 *
 * - **Closed**: calls pass and are counted over the last [period], a window that slides with every call (as
 *   cashews counts them: a log of the calls, kept in the backend). When a call fails with one of [exceptions] and at
 *   least [minCalls] calls were made in the last [period] (0, as in cashews: every call counts), of which at least
 *   [errorsRate] percent failed, the breaker opens. Other exceptions pass through uncounted, as does cancellation.
 *   Up to 100 000 calls and failures per [period] are logged; beyond that the rate is taken over those logged.
 *   Time is the cache's [Cache.timeSource]: under a test time source the window slides in virtual time.
 * - **Open** for [ttl]: every call is refused with [CircuitBreakerOpen], which tells how long is left.
 * - **Half-open** for up to [halfOpenTtl] after that: [halfOpenCalls] trial calls pass, the others are refused. A
 *   trial that succeeds closes the breaker; one that fails with a counted exception opens it again for [ttl]. With
 *   no trial at all in [halfOpenTtl], the breaker closes.
 *
 * While the backend cannot answer, [whenUnavailable] decides: by default ([OutagePolicy.LOCAL]) the breaker is kept
 * in this process until the backend answers again; [OutagePolicy.FAIL_OPEN] lets calls through uncounted, and
 * [OutagePolicy.FAIL_CLOSED] refuses them with [CircuitBreakerOpen].
 *
 * @throws IllegalArgumentException when [errorsRate] is not in (0, 100], [minCalls] is negative or [halfOpenCalls]
 *   is not positive.
 */
public suspend fun <T> Cache.circuitBreaker(
    errorsRate: Double,
    period: Duration,
    ttl: Duration,
    key: String,
    halfOpenTtl: Duration = ttl,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    minCalls: Long = 1,
    halfOpenCalls: Long = 1,
    prefix: String = "circuit_breaker",
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    block: suspend () -> T,
): T {
    requireErrorsRate(errorsRate)
    require(minCalls >= 0) { "minCalls must not be negative, was $minCalls" }
    require(halfOpenCalls > 0) { "halfOpenCalls must be positive, was $halfOpenCalls" }
    val windowMillis = Ttl.requirePositive(period).inWholeMilliseconds.coerceAtLeast(1)
    Ttl.requirePositive(ttl)
    Ttl.requirePositive(halfOpenTtl)
    val breaker = strategyKey(prefix, key)
    val calls = "$breaker:calls"
    val fails = "$breaker:fails"
    val openKey = "$breaker:open"
    val halfOpenKey = "$breaker:half_open"
    val trialsKey = "$breaker:trials"

    fun changed(from: BreakerState, to: BreakerState) {
        if (events.reporting) events.breaker(breaker, from, to)
    }

    fun refused(retryAfter: Duration?): CircuitBreakerOpen {
        if (events.reporting) events.rejected(breaker, Rejection.CIRCUIT_OPEN)
        return CircuitBreakerOpen(breaker, retryAfter)
    }

    // Only the call that sets the open marker goes on, so concurrent failures open (and report) the breaker once.
    suspend fun open(from: BreakerState) {
        if (!set(openKey, true, ttl, SetCondition.IF_ABSENT)) return
        set(halfOpenKey, true, ttl + halfOpenTtl)
        delete(trialsKey)
        changed(from, BreakerState.OPEN)
    }

    fun counts(e: Throwable): Boolean = e !is CancellationException && exceptions.any { it.isInstance(e) }

    // The last period up to now, in epoch milliseconds advanced by the cache's time source: processes sharing the
    // backend log into the same window, and a test's virtual time moves it.
    val now = epochMillis()
    val since = now - windowMillis + 1
    // The calls made in the window, this one included; TRIAL for a half-open trial call.
    val made =
        try {
            raisingOutages(route(breaker)) {
                val openFor = ttl(openKey)
                if (openFor != KeyTtl.Missing) throw refused((openFor as? KeyTtl.Expiring)?.remaining)
                if (exists(halfOpenKey)) {
                    val trials = incr(trialsKey, 1, halfOpenTtl)
                    if (trials > halfOpenCalls) throw refused((ttl(trialsKey) as? KeyTtl.Expiring)?.remaining)
                    if (trials == 1L) changed(BreakerState.OPEN, BreakerState.HALF_OPEN)
                    TRIAL
                } else {
                    sliceIncr(calls, since, now, WINDOW_LOG_CAP, period).coerceAtMost(WINDOW_LOG_CAP)
                }
            }
        } catch (e: BackendUnavailableError) {
            return when (whenUnavailable) {
                OutagePolicy.LOCAL -> {
                    outageFallback.circuitBreaker(
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

                OutagePolicy.FAIL_OPEN -> {
                    block()
                }

                OutagePolicy.FAIL_CLOSED -> {
                    throw refused(null)
                }
            }
        }

    if (made == TRIAL) {
        val result =
            try {
                block()
            } catch (e: Throwable) {
                if (counts(e)) open(BreakerState.HALF_OPEN)
                throw e
            }
        if (deleteMany(listOf(halfOpenKey, trialsKey)) > 0) changed(BreakerState.HALF_OPEN, BreakerState.CLOSED)
        return result
    }

    try {
        return block()
    } catch (e: Throwable) {
        if (counts(e)) {
            val failed = sliceIncr(fails, since, now, WINDOW_LOG_CAP, period).coerceAtMost(WINDOW_LOG_CAP)
            if (made >= minCalls && failed * 100.0 >= errorsRate * made) open(BreakerState.CLOSED)
        }
        throw e
    }
}

/** The most calls (and failures) a breaker logs per period: bounds its log, as cashews bounds its own. */
private const val WINDOW_LOG_CAP = 100_000L

/** What the count of a half-open trial call reads as: it is not counted in the window. */
private const val TRIAL = -1L

/** Checks that [errorsRate] is a percentage in (0, 100]. */
internal fun requireErrorsRate(errorsRate: Double) {
    require(errorsRate > 0.0 && errorsRate <= 100.0) { "errorsRate is a percentage in (0, 100], was $errorsRate" }
}

package io.cashews

import io.cashews.internal.route.raisingOutages
import kotlinx.coroutines.CancellationException
import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * Runs [block] through a circuit breaker whose state lives in the backend at `"$prefix:$key"`, so every process
 * sharing the backend shares one breaker.
 *
 * ```
 * suspend fun quote() = cache.circuitBreaker(errorsRate = 50.0, period = 1.minutes, ttl = 30.seconds, minCalls = 20, key = "quotes") { api.quote() }
 * ```
 *
 * - **Closed**: calls pass and are counted in windows of [period]. When a call fails with one of [exceptions] and at
 *   least [minCalls] calls were made in the window (0, as in cashews: every call counts), of which at least
 *   [errorsRate] percent failed, the breaker
 *   opens. Other exceptions pass through uncounted, as does cancellation.
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
    require(errorsRate > 0.0 && errorsRate <= 100.0) { "errorsRate is a percentage in (0, 100], was $errorsRate" }
    require(minCalls >= 0) { "minCalls must not be negative, was $minCalls" }
    require(halfOpenCalls > 0) { "halfOpenCalls must be positive, was $halfOpenCalls" }
    val windowMillis = Ttl.requirePositive(period).inWholeMilliseconds.coerceAtLeast(1)
    Ttl.requirePositive(ttl)
    Ttl.requirePositive(halfOpenTtl)
    val breaker = strategyKey(prefix, key)
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

    // Windows aligned on the clock, so concurrent callers and processes count into the same one.
    val window = epochMillis() / windowMillis
    val callsKey = "$breaker:calls:$window"
    val trial =
        try {
            raisingOutages(route(breaker)) {
                val openFor = ttl(openKey)
                if (openFor != KeyTtl.Missing) throw refused((openFor as? KeyTtl.Expiring)?.remaining)
                if (exists(halfOpenKey)) {
                    val trials = incr(trialsKey, 1, halfOpenTtl)
                    if (trials > halfOpenCalls) throw refused((ttl(trialsKey) as? KeyTtl.Expiring)?.remaining)
                    if (trials == 1L) changed(BreakerState.OPEN, BreakerState.HALF_OPEN)
                    true
                } else {
                    incr(callsKey, 1, period)
                    false
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

    if (trial) {
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
            val fails = incr("$breaker:fails:$window", 1, period)
            val calls = get<Long>(callsKey) ?: fails
            if (calls >= minCalls && fails * 100.0 >= errorsRate * calls) open(BreakerState.CLOSED)
        }
        throw e
    }
}

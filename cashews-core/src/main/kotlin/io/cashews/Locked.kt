package io.cashews

import kotlin.time.Duration

/**
 * Runs [block] under a mutex shared by every process using the backend: one caller at a time per key. Callers
 * wait for the lock ([wait], up to [waitTimeout] when given) or fail at once with [LockedError]. The lock is held
 * for at most [ttl], so a crashed holder cannot block the key forever. Nothing is cached: pair it with [cached]
 * (or use `cached(lock = true)`) to compute once and share the result. While the backend cannot answer,
 * [whenUnavailable] decides (see [Cache.lock]): by default the call fails with [BackendUnavailableError].
 */
public suspend fun <T> Cache.locked(
    ttl: Duration,
    key: String,
    wait: Boolean = true,
    waitTimeout: Duration? = null,
    prefix: String = "locked",
    whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED,
    block: suspend () -> T,
): T = lock(strategyKey(prefix, key), ttl, wait, waitTimeout, whenUnavailable = whenUnavailable) { block() }

/**
 * [locked] without a key: the key is derived from the call site and the values [block] captures, as [cached]
 * without a key derives it (`cache.locked(10.minutes) { runJob(day) }` holds one lock per `day`). For a key
 * template with arguments, see [withPolicy].
 */
public suspend fun <T> Cache.locked(
    ttl: Duration,
    wait: Boolean = true,
    waitTimeout: Duration? = null,
    prefix: String = "locked",
    whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED,
    block: suspend () -> T,
): T =
    policyCall(LockedPolicy(ttl, null, wait, waitTimeout, prefix, whenUnavailable), emptyMap(), {
        ValueType.of(Any::class.java)
    }, block)

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

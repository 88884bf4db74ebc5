package io.cashews.ktor.server

import io.cashews.ktor.server.internal.HandlerCacheControl
import kotlinx.coroutines.currentCoroutineContext
import kotlin.time.Duration

/**
 * The TTL the current request asks for with `Cache-Control: max-age=N` (cashews' `cache_control_ttl`), else
 * [default]: `cache.cached(cacheControlTtl(10.minutes), "rates") { api.rates() }` in a handler, or in anything it
 * calls. [default] outside a request, when the request sends no `max-age` (or `max-age=0`, which recomputes), when
 * [CashewsConfig.handlerCacheControl] is off, or when the request is not trusted.
 */
public suspend fun cacheControlTtl(default: Duration): Duration =
    currentCoroutineContext()[HandlerCacheControl]?.maxAge ?: default

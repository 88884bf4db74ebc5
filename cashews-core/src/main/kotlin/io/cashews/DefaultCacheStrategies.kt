package io.cashews

import kotlin.time.Duration

// The strategies on Cache.Default, as cashews exports them at module level: the short forms, each delegating to its
// Cache extension (see that one for the behaviour). Every other setting is on `Cache.Default.early(…)` and the like.

/** [Cache.cached] on [Cache.Default]. */
public suspend inline fun <reified T> cached(ttl: Duration, key: String, crossinline block: suspend () -> T): T =
    Cache.Default.cached(ttl, key) { block() }

/** [Cache.cached] on [Cache.Default], with a TTL in the [Ttl] grammar: `cached("3h", "rates") { api.rates() }`. */
public suspend inline fun <reified T> cached(ttl: String, key: String, crossinline block: suspend () -> T): T =
    Cache.Default.cached(ttl, key) { block() }

/** [Cache.cached] without a key, on [Cache.Default]. */
public suspend inline fun <reified T> cached(ttl: Duration, noinline block: suspend () -> T): T =
    Cache.Default.cached(ttl, block = block)

/** [Cache.cached] without a key, on [Cache.Default], with a TTL in the [Ttl] grammar: `cached("3h") { api.rates() }`. */
public suspend inline fun <reified T> cached(ttl: String, noinline block: suspend () -> T): T =
    Cache.Default.cached(ttl, block)

/** [Cache.early] on [Cache.Default], fresh for a third of [ttl]. */
public suspend inline fun <reified T> early(ttl: Duration, key: String, crossinline block: suspend () -> T): T =
    Cache.Default.early(ttl, key) { block() }

/** [Cache.soft] on [Cache.Default], fresh for a third of [ttl]. */
public suspend inline fun <reified T> soft(ttl: Duration, key: String, crossinline block: suspend () -> T): T =
    Cache.Default.soft(ttl, key) { block() }

/** [Cache.failover] on [Cache.Default]. */
public suspend inline fun <reified T> failover(ttl: Duration, key: String, crossinline block: suspend () -> T): T =
    Cache.Default.failover(ttl, key) { block() }

/** [Cache.hit] on [Cache.Default]: a loaded value serves [cacheHits] hits. */
public suspend inline fun <reified T> hit(
    ttl: Duration,
    key: String,
    cacheHits: Int,
    crossinline block: suspend () -> T,
): T = Cache.Default.hit(ttl, key, cacheHits) { block() }

/** [Cache.dynamic] on [Cache.Default]. */
public suspend inline fun <reified T> dynamic(key: String, crossinline block: suspend () -> T): T =
    Cache.Default.dynamic(key) { block() }

/** [Cache.locked] on [Cache.Default]. */
public suspend fun <T> locked(ttl: Duration, key: String, block: suspend () -> T): T =
    Cache.Default.locked(ttl, key, block = block)

package io.cashews

import kotlin.reflect.KClass
import kotlin.time.Duration

// The strategies on Cache.Default, as cashews exports them at module level. Each delegates to its Cache
// extension: see that one for the behaviour.

/** [Cache.early] on [Cache.Default]. */
public suspend inline fun <reified T> early(
    ttl: Duration,
    key: String,
    earlyTtl: Duration? = null,
    crossinline block: suspend () -> T,
): T = Cache.Default.early(ttl, key, earlyTtl) { block() }

/** [Cache.soft] on [Cache.Default]. */
public suspend inline fun <reified T> soft(
    ttl: Duration,
    key: String,
    softTtl: Duration? = null,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    crossinline block: suspend () -> T,
): T = Cache.Default.soft(ttl, key, softTtl, exceptions) { block() }

/** [Cache.failover] on [Cache.Default]. */
public suspend inline fun <reified T> failover(
    ttl: Duration,
    key: String,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    crossinline block: suspend () -> T,
): T = Cache.Default.failover(ttl, key, exceptions) { block() }

/** [Cache.hit] on [Cache.Default]. */
public suspend inline fun <reified T> hit(
    ttl: Duration,
    key: String,
    cacheHits: Int,
    updateAfter: Int = 0,
    crossinline block: suspend () -> T,
): T = Cache.Default.hit(ttl, key, cacheHits, updateAfter) { block() }

/** [Cache.dynamic] on [Cache.Default]. */
public suspend inline fun <reified T> dynamic(
    key: String,
    crossinline block: suspend () -> T,
): T = Cache.Default.dynamic(key) { block() }

/** [Cache.locked] on [Cache.Default]. */
public suspend fun <T> locked(
    ttl: Duration,
    key: String,
    wait: Boolean = true,
    block: suspend () -> T,
): T = Cache.Default.locked(ttl, key, wait, block = block)

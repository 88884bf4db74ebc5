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
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.early(ttl, key, earlyTtl, tags = tags) { block() }

/** [Cache.soft] on [Cache.Default]. */
public suspend inline fun <reified T> soft(
    ttl: Duration,
    key: String,
    softTtl: Duration? = null,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.soft(ttl, key, softTtl, exceptions, tags = tags) { block() }

/** [Cache.failover] on [Cache.Default]. */
public suspend inline fun <reified T> failover(
    ttl: Duration,
    key: String,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.failover(ttl, key, exceptions, tags = tags) { block() }

/** [Cache.hit] on [Cache.Default]. */
public suspend inline fun <reified T> hit(
    ttl: Duration,
    key: String,
    cacheHits: Int,
    updateAfter: Int = 0,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.hit(ttl, key, cacheHits, updateAfter, tags = tags) { block() }

/** [Cache.dynamic] on [Cache.Default]. */
public suspend inline fun <reified T> dynamic(
    key: String,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.dynamic(key, tags = tags) { block() }

/** [Cache.locked] on [Cache.Default]. */
public suspend fun <T> locked(
    ttl: Duration,
    key: String,
    wait: Boolean = true,
    block: suspend () -> T,
): T = Cache.Default.locked(ttl, key, wait, block = block)

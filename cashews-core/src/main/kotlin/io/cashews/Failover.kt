package io.cashews

import io.cashews.internal.load.strategyLoad
import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * Calls [block] every time and keeps its last good result for [ttl]; when [block] fails with one of [exceptions],
 * that last good result is returned instead (the failure is thrown when there is none). Not a read-through cache:
 * use it to survive an unreliable dependency.
 *
 * Stores the last good result at `"$prefix:$key"`, labelled with [tags] for [Cache.deleteTags]. [retry] retries a
 * failed call before the last good result is considered.
 *
 * [timeCondition], [jitter] and [upper] work as on [cached]: store only results slower than [timeCondition] to
 * compute, shorten each TTL by up to [jitter], store nothing a load served from an inner cache.
 */
public suspend inline fun <reified T> Cache.failover(
    ttl: Duration,
    key: String,
    exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "fail",
    tags: Collection<String> = emptyList(),
    retry: Retry? = null,
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    crossinline block: suspend () -> T,
): T {
    val policy =
        FailoverPolicy(ttl, null, exceptions, condition, prefix, tags.toList(), retry, timeCondition, jitter, upper)
    return strategyLoad(policy, key, { ValueType.of<T>() }) { block() }
}

/**
 * [failover] without a key: the key is derived from the call site and the values [block] captures, as [cached] without a
 * key derives it (`cache.failover(2.hours) { api.quote(symbol) }`). For a key template with arguments, see [withPolicy].
 */
public suspend inline fun <reified T> Cache.failover(
    ttl: Duration,
    exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "fail",
    tags: Collection<String> = emptyList(),
    retry: Retry? = null,
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    noinline block: suspend () -> T,
): T {
    val policy =
        FailoverPolicy(ttl, null, exceptions, condition, prefix, tags.toList(), retry, timeCondition, jitter, upper)
    return withPolicy(policy, block = block)
}

/** [failover] with a TTL in the [Ttl] grammar. Every other setting is on the overload taking a [Duration]. */
public suspend inline fun <reified T> Cache.failover(ttl: String, key: String, crossinline block: suspend () -> T): T =
    failover(Ttl.parse(ttl), key) { block() }

package io.cashews

import io.cashews.internal.load.strategyLoad
import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * Caches like [cached], recomputing once a value is older than [softTtl] (default a third of [ttl]); when that
 * recomputation fails with one of [exceptions] (by default the cache's [Cache.defaultFailExceptions]), the stale value
 * is served instead, until [ttl].
 *
 * [tags] label the value for [Cache.deleteTags]. Stores the value at `"$prefix:$key"` and its freshness marker at `"$prefix:$key:fresh"`.
 *
 * [timeCondition], [jitter], [upper] and [protected] work as on [cached]: store only results slower than
 * [timeCondition] to compute, shorten each TTL by up to [jitter], store nothing a load served from an inner cache, and
 * let concurrent callers needing the same load share one run of [block] (each runs its own with `protected = false`).
 */
public suspend inline fun <reified T> Cache.soft(
    ttl: Duration,
    key: String,
    softTtl: Duration? = null,
    exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "soft",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    crossinline block: suspend () -> T,
): T {
    val policy =
        SoftPolicy(
            ttl,
            null,
            softTtl,
            exceptions,
            condition,
            prefix,
            retry,
            tags.toList(),
            timeCondition,
            jitter,
            upper,
            protected,
        )
    return strategyLoad(policy, key, { ValueType.of<T>() }) { block() }
}

/**
 * [soft] without a key: the key is derived from the call site and the values [block] captures, as [cached] without a
 * key derives it (`cache.soft(10.minutes) { api.page(n) }`). For a key template with arguments, see [withPolicy].
 */
public suspend inline fun <reified T> Cache.soft(
    ttl: Duration,
    softTtl: Duration? = null,
    exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "soft",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    noinline block: suspend () -> T,
): T {
    val policy =
        SoftPolicy(
            ttl,
            null,
            softTtl,
            exceptions,
            condition,
            prefix,
            retry,
            tags.toList(),
            timeCondition,
            jitter,
            upper,
            protected,
        )
    return withPolicy(policy, block = block)
}

/** [soft] with a TTL in the [Ttl] grammar. Every other setting is on the overload taking [Duration]s. */
public suspend inline fun <reified T> Cache.soft(ttl: String, key: String, crossinline block: suspend () -> T): T =
    soft(Ttl.parse(ttl), key) { block() }

package io.cashews

import io.cashews.internal.load.strategyLoad
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days

/**
 * Caches a value for at most [cacheHits] hits (and at most [ttl]), then loads it again. With [updateAfter] > 0, the
 * [updateAfter]-th hit also starts a background refresh, so a popular value is replaced before it runs out.
 *
 * With `cacheHits = 2` successive calls return `1, 1, 1, 2, 2, 2, …`: each load is followed by two hits. The hits
 * are counted by the backend at `"$prefix:$key:counter"`, so processes sharing it share the count. [tags] label the
 * value for [Cache.deleteTags].
 *
 * [timeCondition], [jitter], [upper] and [protected] work as on [cached]: store only results slower than
 * [timeCondition] to compute, shorten each TTL by up to [jitter], store nothing a load served from an inner cache, and
 * let concurrent callers needing the same load share one run of [block] (each runs its own with `protected = false`).
 */
public suspend inline fun <reified T> Cache.hit(
    ttl: Duration,
    key: String,
    cacheHits: Int,
    updateAfter: Int = 0,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "hit",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    crossinline block: suspend () -> T,
): T {
    val policy =
        HitPolicy(
            ttl,
            cacheHits,
            null,
            updateAfter,
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
 * [hit] without a key: the key is derived from the call site and the values [block] captures, as [cached] without a
 * key derives it (`cache.hit(1.hours, cacheHits = 100) { db.top(n) }`). For a key template with arguments, see [withPolicy].
 */
public suspend inline fun <reified T> Cache.hit(
    ttl: Duration,
    cacheHits: Int,
    updateAfter: Int = 0,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "hit",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    noinline block: suspend () -> T,
): T {
    val policy =
        HitPolicy(
            ttl,
            cacheHits,
            null,
            updateAfter,
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

/** [hit] with `cacheHits = 3` and a background refresh after the first hit: values that keep being asked for stay fresh. */
public suspend inline fun <reified T> Cache.dynamic(
    key: String,
    ttl: Duration = 1.days,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "dynamic",
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    crossinline block: suspend () -> T,
): T =
    strategyLoad(
        HitPolicy.dynamic(
            ttl,
            null,
            condition,
            prefix,
            tags.toList(),
            timeCondition,
            jitter,
            upper,
            protected,
        ),
        key,
        {
            ValueType.of<T>()
        },
    ) { block() }

/**
 * [dynamic] without a key: the key is derived from the call site and the values [block] captures, as [cached] without a
 * key derives it (`cache.dynamic { db.top(n) }`). For a key template with arguments, see [withPolicy].
 */
public suspend inline fun <reified T> Cache.dynamic(
    ttl: Duration = 1.days,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "dynamic",
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    noinline block: suspend () -> T,
): T {
    val policy = HitPolicy.dynamic(ttl, null, condition, prefix, tags.toList(), timeCondition, jitter, upper, protected)
    return withPolicy(policy, block = block)
}

package io.cashews

import io.cashews.internal.load.strategyLoad
import java.util.UUID
import kotlin.time.Duration

/**
 * Caches like [cached], and refreshes a value in the background before it expires, so a hot key never waits.
 *
 * A value is fresh for [earlyTtl] (default a third of [ttl]) and kept for [ttl]. The first call that finds it past
 * [earlyTtl] starts one refresh in the cache's own scope and returns the stale value at once; the calls that follow
 * keep getting it until the refresh stores the new one. Exactly one refresh per key runs at a time, across every
 * process sharing the backend (a backend lock leased for [earlyTtl] and renewed while the refresh runs). A failed
 * refresh is logged and retried after [earlyTtl]. A cold key is loaded in the foreground, single-flight.
 *
 * [tags] label the value for [Cache.deleteTags]. Stores the value at `"$prefix:$key"` and its freshness marker at `"$prefix:$key:fresh"`.
 *
 * [timeCondition], [jitter], [upper] and [protected] work as on [cached]: store only results slower than
 * [timeCondition] to compute, shorten each TTL by up to [jitter], store nothing a load served from an inner cache, and
 * let concurrent callers needing the same load share one run of [block] (each runs its own with `protected = false`).
 */
public suspend inline fun <reified T> Cache.early(
    ttl: Duration,
    key: String,
    earlyTtl: Duration? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "early",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    crossinline block: suspend () -> T,
): T =
    strategyLoad(
        EarlyPolicy(
            ttl,
            null,
            earlyTtl,
            condition,
            prefix,
            retry,
            tags.toList(),
            timeCondition,
            jitter,
            upper,
            protected,
        ),
        key,
        { ValueType.of<T>() },
    ) {
        block()
    }

/**
 * [early] without a key: the key is derived from the call site and the values [block] captures, as [cached] without a
 * key derives it (`cache.early(10.minutes) { api.rates(currency) }`). For a key template with arguments, see [withPolicy].
 */
public suspend inline fun <reified T> Cache.early(
    ttl: Duration,
    earlyTtl: Duration? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "early",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    noinline block: suspend () -> T,
): T {
    val policy =
        EarlyPolicy(
            ttl,
            null,
            earlyTtl,
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

/** [early] with a TTL in the [Ttl] grammar. Every other setting is on the overload taking [Duration]s. */
public suspend inline fun <reified T> Cache.early(ttl: String, key: String, crossinline block: suspend () -> T): T =
    early(Ttl.parse(ttl), key) { block() }

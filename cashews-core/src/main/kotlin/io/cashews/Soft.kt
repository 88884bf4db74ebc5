package io.cashews

import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * Caches like [cached], recomputing once a value is older than [softTtl] (default a third of [ttl]); when that
 * recomputation fails with one of [exceptions], the stale value is served instead, until [ttl].
 *
 * [tags] label the value for [Cache.deleteTags]. Stores the value at `"$prefix:$key"` and its freshness marker at `"$prefix:$key:fresh"`.
 */
public suspend inline fun <reified T> Cache.soft(
    ttl: Duration,
    key: String,
    softTtl: Duration? = null,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "soft",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    softLoad(strategyKey(prefix, key), ttl, softTtl ?: (ttl / 3), exceptions, condition, retry, tags, {
        ValueType.of<T>()
    }) { block() }

/** [soft] with TTLs in the [Ttl] grammar. */
public suspend inline fun <reified T> Cache.soft(
    ttl: String,
    key: String,
    softTtl: String? = null,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "soft",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = soft(Ttl.parse(ttl), key, softTtl?.let(Ttl::parse), exceptions, condition, prefix, retry, tags) { block() }

private const val SOFT = "soft"

@PublishedApi
internal suspend fun <T> Cache.softLoad(
    key: String,
    ttl: Duration,
    softTtl: Duration,
    exceptions: Set<KClass<out Throwable>>,
    condition: CacheCondition,
    retry: Retry?,
    tags: Collection<String>,
    type: () -> ValueType,
    block: suspend () -> T,
): T {
    requireFreshWithin(ttl, softTtl, "softTtl")
    val freshKey = "$key:fresh"
    val stale = cachedOrNull<T>(key, type, condition)
    if (stale != null && exists(freshKey)) {
        if (observing) observeHit(key, SOFT, freshKey = freshKey)
        return stale.value
    }
    if (events.reporting) events.miss(key, SOFT)
    return singleFlight.run(key) { flight ->
        try {
            compute(
                SOFT,
                key,
                ttl,
                condition,
                null,
                0.0,
                flight,
                type,
                block,
                retry,
                tags,
                afterStore = { set(freshKey, true, softTtl) },
            )
        } catch (e: Throwable) {
            if (stale == null || e is kotlinx.coroutines.CancellationException ||
                exceptions.none { it.isInstance(e) }
            ) {
                throw e
            }
            if (observing) observeHit(key, SOFT, stale = true)
            stale.value
        }
    }
}

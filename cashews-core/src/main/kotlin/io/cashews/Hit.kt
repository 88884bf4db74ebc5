package io.cashews

import io.cashews.internal.refreshInBackground
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days

/**
 * Caches a value for at most [cacheHits] hits (and at most [ttl]), then loads it again. With [updateAfter] > 0, the
 * [updateAfter]-th hit also starts a background refresh, so a popular value is replaced before it runs out.
 *
 * With `cacheHits = 2` successive calls return `1, 1, 1, 2, 2, 2, …`: each load is followed by two hits. The hits
 * are counted by the backend at `"$prefix:$key:counter"`, so processes sharing it share the count. [tags] label the
 * value for [Cache.deleteTags].
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
    crossinline block: suspend () -> T,
): T =
    hitLoad(strategyKey(prefix, key), ttl, cacheHits, updateAfter, condition, retry, tags, { ValueType.of<T>() }) {
        block()
    }

/** [hit] with `cacheHits = 3` and a background refresh after the first hit: values that keep being asked for stay fresh. */
public suspend inline fun <reified T> Cache.dynamic(
    key: String,
    ttl: Duration = 1.days,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "dynamic",
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = hitLoad(strategyKey(prefix, key), ttl, 3, 1, condition, null, tags, { ValueType.of<T>() }) { block() }

private const val HIT = "hit"

@PublishedApi
internal suspend fun <T> Cache.hitLoad(
    key: String,
    ttl: Duration,
    cacheHits: Int,
    updateAfter: Int,
    condition: CacheCondition,
    retry: Retry?,
    tags: Collection<String>,
    type: () -> ValueType,
    block: suspend () -> T,
): T {
    require(cacheHits > 0) { "cacheHits must be positive, was $cacheHits" }
    require(updateAfter in 0..cacheHits) { "updateAfter must be within 0..cacheHits ($cacheHits), was $updateAfter" }
    val counterKey = "$key:counter"
    val resetCount: suspend () -> Unit = { delete(counterKey) }
    val cachedNow = cachedOrNull<T>(key, type, condition)
    val hits = incr(counterKey, 1, ttl)
    if (cachedNow != null && hits in 1..cacheHits) {
        if (observing) observeHit(key, HIT)
        if (updateAfter > 0 && hits == updateAfter.toLong()) {
            refreshInBackground(key) {
                loadShared(HIT, key, ttl, condition, retry, tags, type, block, resetCount)
            }
        }
        return cachedNow.value
    }
    if (events.reporting) events.miss(key, HIT)
    return loadShared(HIT, key, ttl, condition, retry, tags, type, block, resetCount)
}

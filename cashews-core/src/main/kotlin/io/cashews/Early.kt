package io.cashews

import io.cashews.internal.refreshInBackground
import io.cashews.internal.withLease
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
 */
public suspend inline fun <reified T> Cache.early(
    ttl: Duration,
    key: String,
    earlyTtl: Duration? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "early",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    earlyLoad(strategyKey(prefix, key), ttl, earlyTtl ?: (ttl / 3), condition, retry, tags, {
        ValueType.of<T>()
    }) { block() }

/** [early] with TTLs in the [Ttl] grammar. */
public suspend inline fun <reified T> Cache.early(
    ttl: String,
    key: String,
    earlyTtl: String? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "early",
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = early(Ttl.parse(ttl), key, earlyTtl?.let(Ttl::parse), condition, prefix, retry, tags) { block() }

private const val EARLY = "early"

@PublishedApi
internal suspend fun <T> Cache.earlyLoad(
    key: String,
    ttl: Duration,
    earlyTtl: Duration,
    condition: CacheCondition,
    retry: Retry?,
    tags: Collection<String>,
    type: () -> ValueType,
    block: suspend () -> T,
): T {
    requireFreshWithin(ttl, earlyTtl, "earlyTtl")
    val freshKey = "$key:fresh"
    val markFresh: suspend () -> Unit = { set(freshKey, true, earlyTtl) }
    val cachedNow = cachedOrNull<T>(key, type, condition)
    if (cachedNow == null) {
        if (events.reporting) events.miss(key, EARLY)
        return singleFlight.run(key) { flight ->
            cachedOrNull<T>(key, type, condition)?.let { return@run it.value }
            compute(EARLY, key, ttl, condition, null, 0.0, flight, type, block, retry, tags, markFresh)
        }
    }
    if (exists(freshKey)) {
        if (observing) observeHit(key, EARLY, freshKey = freshKey)
        return cachedNow.value
    }
    if (observing) observeHit(key, EARLY, stale = true)
    val refreshKey = "$key:refresh"
    val token = UUID.randomUUID().toString()
    if (setLock(refreshKey, token, earlyTtl)) {
        refreshInBackground(key) {
            // The lease is renewed while the refresh runs and released by its token when it succeeds; after a failure
            // it runs out, so the next refresh waits for earlyTtl.
            withLease(capability<LockBackend>(refreshKey, "early"), refreshKey, token, earlyTtl) {
                loadShared(EARLY, key, ttl, condition, retry, tags, type, block, markFresh)
            }
            unlock(refreshKey, token)
        }
    }
    return cachedNow.value
}

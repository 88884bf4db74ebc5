package io.cashews

import io.cashews.internal.value.Miss
import io.cashews.internal.value.StoredFailure
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.withContext
import kotlin.time.Duration

/**
 * A flow that replays this flow's elements from [cache] when a complete recording of them is cached at [key], and
 * otherwise collects this flow, passing its elements on as they come and recording them for [ttl].
 *
 * ```
 * fun pages(name: String): Flow<Page> = api.pages(name).cached(cache, key = "pages:$name", ttl = 10.minutes)
 * ```
 *
 * - The end of a recording is stored explicitly, so `null`, `0` and `""` are elements like any other; a replay
 *   needs no call upstream and emits exactly what was recorded, in order.
 * - Nothing is cached unless the flow completes and every element passes [condition]. A collector that stops
 *   early leaves nothing behind.
 * - An exception mid-stream is cached at its position when [condition] stores it (for example
 *   [CacheCondition.withExceptions]); replays then emit the elements before it and throw it. Otherwise the
 *   exception propagates and nothing is cached.
 * - A recording whose elements were partly evicted is ignored: the flow is collected again.
 *
 * Elements are stored at `"$key:0"`, `"$key:1"`, … and the recording's length at [key], which carries [tags]:
 * [Cache.deleteTags] of any of them makes the next collection go upstream again.
 */
public inline fun <reified T> Flow<T>.cached(
    cache: Cache,
    key: String,
    ttl: Duration,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
): Flow<T> = cache.cachedFlow(this, key, Ttl.requirePositive(ttl), condition, tags) { ValueType.of<T>() }

@PublishedApi
internal fun <T> Cache.cachedFlow(
    upstream: Flow<T>,
    key: String,
    ttl: Duration,
    condition: CacheCondition,
    tags: Collection<String>,
    type: () -> ValueType,
): Flow<T> =
    flow {
        val recorded = replayable(key, type, condition)
        if (recorded != null) {
            for (element in recorded) {
                if (element is StoredFailure) throw checkNotNull(element.errorFor(condition))
                @Suppress("UNCHECKED_CAST")
                emit(element as T)
            }
            return@flow
        }
        // Versions are read before collecting, so a deleteTags during the collection leaves the recording unreadable.
        val stamp = tagVersions.stamp(tags)
        val started = timeSource.markNow()
        var count = 0L
        var storable = true
        var complete = false
        var downstreamFailed = false
        try {
            upstream.collect { element ->
                if (storable && condition.storesValue(element, key)) {
                    values.storeStamped(
                        route(elementKey(key, count)),
                        elementKey(key, count),
                        element,
                        ttl,
                        SetCondition.ALWAYS,
                        null,
                        type,
                    )
                } else {
                    storable = false
                }
                count++
                try {
                    emit(element)
                } catch (e: Throwable) {
                    downstreamFailed = true // the collector's own failure is not the flow's: never cached
                    throw e
                }
            }
            complete = true
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            if (!downstreamFailed && storable && condition.storesException(e)) {
                values.storeStamped(
                    route(elementKey(key, count)),
                    elementKey(key, count),
                    StoredFailure.of(e),
                    ttl,
                    SetCondition.ALWAYS,
                    null,
                    type,
                )
                count++
                complete = true
            }
            throw e
        } finally {
            withContext(NonCancellable) {
                val markerTtl = ttl - started.elapsedNow()
                if (complete && storable && markerTtl.isPositive()) {
                    // Written last and expiring first: a live marker means every element is still there.
                    values.storeStamped(
                        route(key),
                        key,
                        count,
                        markerTtl,
                        SetCondition.ALWAYS,
                        stamp,
                    ) { ValueType.of<Long>() }
                } else if (count > 0) {
                    deleteMany((0 until count).map { elementKey(key, it) })
                }
            }
        }
    }

/**
 * The recorded elements at [key], or `null` when there is no complete recording to replay: an element missing, or a
 * recorded failure that [condition] would not have cached (see [StoredFailure.errorFor]).
 */
private suspend fun Cache.replayable(key: String, type: () -> ValueType, condition: CacheCondition): List<Any?>? {
    val count = get<Long>(key) ?: return null
    if (count < 0 || count > Int.MAX_VALUE) return null
    val elements = lookupMany((0 until count).map { elementKey(key, it) }, type)
    val replayable = elements.none { it === Miss || (it is StoredFailure && it.errorFor(condition) == null) }
    return if (replayable) elements else null
}

private fun elementKey(key: String, index: Long): String = "$key:$index"

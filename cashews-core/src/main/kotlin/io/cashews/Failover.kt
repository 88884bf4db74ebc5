package io.cashews

import kotlin.reflect.KClass
import kotlin.time.Duration

/**
 * Calls [block] every time and keeps its last good result for [ttl]; when [block] fails with one of [exceptions],
 * that last good result is returned instead (the failure is thrown when there is none). Not a read-through cache:
 * use it to survive an unreliable dependency.
 *
 * Stores the last good result at `"$prefix:$key"`, labelled with [tags] for [Cache.deleteTags].
 */
public suspend inline fun <reified T> Cache.failover(
    ttl: Duration,
    key: String,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "fail",
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = failoverLoad(strategyKey(prefix, key), ttl, exceptions, condition, tags, { ValueType.of<T>() }) { block() }

/** [failover] with a TTL in the [Ttl] grammar. */
public suspend inline fun <reified T> Cache.failover(
    ttl: String,
    key: String,
    exceptions: Set<KClass<out Throwable>> = setOf(Exception::class),
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "fail",
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = failover(Ttl.parse(ttl), key, exceptions, condition, prefix, tags) { block() }

@PublishedApi
internal suspend fun <T> Cache.failoverLoad(
    key: String,
    ttl: Duration,
    exceptions: Set<KClass<out Throwable>>,
    condition: CacheCondition,
    tags: Collection<String>,
    type: () -> ValueType,
    block: suspend () -> T,
): T =
    try {
        compute("failover", key, ttl, condition, null, 0.0, null, type, block, tags = tags)
    } catch (e: Throwable) {
        if (e is kotlinx.coroutines.CancellationException || exceptions.none { it.isInstance(e) }) throw e
        val lastGood = cachedOrNull<T>(key, type, condition) ?: throw e
        if (observing) observeHit(key, "failover", stale = true)
        lastGood.value
    }

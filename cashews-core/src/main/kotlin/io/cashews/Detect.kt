package io.cashews

import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.withContext
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/** One value a strategy served from the cache inside a [detect] block. */
public data class DetectedHit(
    /** The key the value was stored at. */
    val key: String,
    /** The strategy that served it: `cached`, `early`, `soft`, `failover`, `hit`. */
    val strategy: String,
    /** What was left of the entry's TTL when it was served. */
    val ttl: KeyTtl,
    /** `true` when a stale value was served (early before its refresh, soft or failover after a failure). */
    val stale: Boolean,
    /** For `early` and `soft`: how long the value stays fresh; `null` otherwise, or when stale. */
    val freshFor: Duration?,
) {
    /** [freshFor] for Java, where the property's getter has a mangled name. */
    @JvmName("getFreshFor")
    public fun freshForJavaDuration(): java.time.Duration? = freshFor?.toJavaDuration()
}

/** The result of a [detect] block and the cache hits it made. */
public data class Detected<R>(
    /** What the block returned. */
    val value: R,
    /** Every value served from a cache during the block, in order. */
    val hits: List<DetectedHit>,
)

/**
 * Runs [block] and reports which values it got from a cache, by which strategy, with their TTL and freshness.
 * Coroutines started inside the block report to it too; a detect block nested in another reports to both, and
 * nothing outside the block is reported. Costs nothing while no detect block runs.
 */
public suspend fun <R> detect(block: suspend () -> R): Detected<R> {
    val scope = DetectScope(currentCoroutineContext()[DetectScope])
    DetectScope.active.incrementAndGet()
    try {
        val value = withContext(scope) { block() }
        return Detected(value, scope.hits.toList())
    } finally {
        DetectScope.active.decrementAndGet()
    }
}

/**
 * The hits the innermost [detect] block running in this coroutine has recorded so far; empty outside one. For faces
 * that must act on hits before their block returns (a web response's headers, sent before the handler returns).
 */
@InternalCacheApi
public suspend fun detectedSoFar(): List<DetectedHit> =
    currentCoroutineContext()[DetectScope]?.hits?.toList().orEmpty()

/** [detect], as a member for discoverability; it reports hits from every cache. */
public suspend fun <R> Cache.detect(block: suspend () -> R): Detected<R> = io.cashews.detect(block)

internal class DetectScope(
    private val parent: DetectScope?,
) : AbstractCoroutineContextElement(DetectScope) {
    val hits = ConcurrentLinkedQueue<DetectedHit>()

    fun record(hit: DetectedHit) {
        var scope: DetectScope? = this
        while (scope != null) {
            scope.hits += hit
            scope = scope.parent
        }
    }

    companion object Key : CoroutineContext.Key<DetectScope> {
        /** How many detect blocks are running anywhere: when none, hits skip detection entirely. */
        val active = AtomicInteger()
    }
}

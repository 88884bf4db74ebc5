package io.cashews

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.time.Duration
import kotlin.time.TimeSource

/**
 * What a warm-up did ([Cache.warmUp], [CachedFunction1.warmUp]): of [total] ids, [present] were in the cache
 * afterwards (stored before or loaded now), [leftOut] were not answered by the loader, and [failed] were in batches
 * whose load failed ([firstFailure] is the first such failure). [took] is the wall time.
 */
public class WarmUpReport(
    public val name: String,
    public val total: Int,
    public val present: Int,
    public val leftOut: Int,
    public val failed: Int,
    public val took: Duration,
    public val firstFailure: Throwable?,
) {
    /** [took] for Java, where the property's getter has a mangled name. */
    @JvmName("getTook")
    public fun tookJavaDuration(): java.time.Duration = java.time.Duration.ofNanos(took.inWholeNanoseconds)

    override fun toString(): String =
        "WarmUpReport($name: $present of $total present, $leftOut left out, $failed failed, took $took)"
}

/**
 * Fills the cache with [ids] at start (a preload), in batches of [batchSize] through [cachedMany]'s path: the ids
 * already cached are read, the others loaded by [loadAll], each stored at [keyOf] for [ttl]. At most [concurrency]
 * batches run at once. Progress goes to the log (about every tenth of the ids, as `name`) and to the cache's
 * listeners ([CacheEventListener.onWarmUp], which the Micrometer binding turns into a gauge). A failing batch is
 * logged and counted, and the warm-up goes on with the others: a cache that is only partly warm still serves.
 *
 * ```
 * cache.warmUp("users", ids = repo.activeIds(), ttl = 3.hours, keyOf = { "user:$it" }) { batch ->
 *     repo.loadAll(batch).associateBy { it.id }
 * }
 * ```
 */
public suspend inline fun <K, reified V> Cache.warmUp(
    name: String,
    ids: Collection<K>,
    ttl: Duration,
    noinline keyOf: (K) -> String = { it.toString() },
    concurrency: Int = WarmUps.DEFAULT_CONCURRENCY,
    batchSize: Int = WarmUps.DEFAULT_BATCH,
    noinline loadAll: suspend (missing: List<K>) -> Map<K, V>,
): WarmUpReport {
    val policy = CachedPolicy(TtlRule.Fixed(ttl))
    return WarmUps.run(this, name, ids, concurrency, batchSize) { batch ->
        cachedManyUnder(policy, batch, keyOf, { ValueType.of<V>() }, loadAll)
    }
}

/**
 * Warms this handle with [args] (see [Cache.warmUp]): batches of [batchSize] through [getAll], so the bulk loader
 * ([withBulkLoader]) loads each batch's misses at once, or the handle's function loads them one by one. The log and
 * the listeners name it by its key template.
 */
public suspend fun <A, R> CachedFunction1<A, R>.warmUp(
    args: Collection<A>,
    concurrency: Int = WarmUps.DEFAULT_CONCURRENCY,
    batchSize: Int = WarmUps.DEFAULT_BATCH,
): WarmUpReport = WarmUps.run(cache, key.template, args, concurrency, batchSize) { batch -> getAll(batch) }

/** How warm-ups run: bounded batches, progress in the log and to the listeners. */
public object WarmUps {
    /** Batches loaded at once by default. */
    public const val DEFAULT_CONCURRENCY: Int = 4

    /** Ids per batch by default. */
    public const val DEFAULT_BATCH: Int = 100

    private val log = org.slf4j.LoggerFactory.getLogger(WarmUps::class.java)

    /** Runs [batchLoad] over [ids] in batches; see [Cache.warmUp]. */
    @PublishedApi
    internal suspend fun <K> run(
        cache: Cache,
        name: String,
        ids: Collection<K>,
        concurrency: Int,
        batchSize: Int,
        batchLoad: suspend (List<K>) -> Map<K, *>,
    ): WarmUpReport {
        require(concurrency > 0) { "warm-up concurrency must be positive, was $concurrency" }
        require(batchSize > 0) { "warm-up batch size must be positive, was $batchSize" }
        val started = TimeSource.Monotonic.markNow()
        val distinct = LinkedHashSet(ids).toList()
        val total = distinct.size
        val done = AtomicInteger()
        val present = AtomicInteger()
        val failed = AtomicInteger()
        val firstFailure = AtomicReference<Throwable?>()
        val step = maxOf(1, total / 10)
        log.info("warming '{}': {} ids in batches of {}, {} at a time", name, total, batchSize, concurrency)
        val permits = Semaphore(concurrency)
        coroutineScope {
            for (batch in distinct.chunked(batchSize)) {
                permits.acquire()
                launch {
                    try {
                        val answered = batchLoad(batch)
                        present.addAndGet(batch.count { answered.containsKey(it) })
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        failed.addAndGet(batch.size)
                        if (firstFailure.compareAndSet(null, e)) log.warn("warming '{}': a batch failed", name, e)
                    } finally {
                        permits.release()
                    }
                    val now = done.addAndGet(batch.size)
                    if (now / step != (now - batch.size) / step || now == total) {
                        log.info("warming '{}': {} of {} ids", name, now, total)
                    }
                    cache.reportWarmUp(name, now.toLong(), total.toLong())
                }
            }
        }
        val report =
            WarmUpReport(
                name,
                total,
                present.get(),
                total - present.get() - failed.get(),
                failed.get(),
                started.elapsedNow(),
                firstFailure.get(),
            )
        log.info("warmed '{}': {}", name, report)
        return report
    }
}

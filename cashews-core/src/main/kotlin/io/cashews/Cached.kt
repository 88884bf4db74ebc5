package io.cashews

import io.cashews.internal.DerivedKey
import io.cashews.internal.Miss
import io.cashews.internal.NotNow
import io.cashews.internal.SingleFlight
import io.cashews.internal.StoredFailure
import io.cashews.internal.TagStamp
import io.cashews.internal.TypeConformance
import io.cashews.internal.mayHoldElements
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/**
 * Returns the value cached at [key], or runs [block], caches what it returns for [ttl] and returns that.
 *
 * ```
 * suspend fun user(id: Long): User = cache.cached(ttl = 3.hours, key = "user:$id") { repo.load(id) }
 * ```
 *
 * - **Single-flight** ([protected], on by default): concurrent callers of a cold key share one run of [block]. A
 *   cancelled caller stops waiting without cancelling the load or the others; every caller gets the block's own
 *   result or exception. A block that asks for its own key fails with [ReentrantLoadError].
 * - [lock] extends single-flight across processes through the backend: one load cluster-wide, others wait for it.
 * - [condition] picks what is stored (`null` is stored by default; exceptions only when the condition says so,
 *   for their own TTL). [timeCondition] stores only results that took longer than it to compute; both must pass.
 * - A delete of the key while [block] runs is not undone by the block's result.
 * - [upper] caches at an outer layer only: when a cached call inside [block] served a value from a cache during
 *   the load, the result is returned but not stored here, so a stale inner value is not kept for a whole [ttl].
 * - [retry] retries a failed load with exponential backoff, once for all the callers waiting on it.
 * - [jitter] (at least 0, below 1) shortens each TTL by a random fraction up to it, spreading the expiry of keys written
 *   together.
 * - [tags] label the stored value: [Cache.deleteTags] of any of them removes it, and a load running at that moment
 *   does not store a readable result.
 *
 * A hit on the in-memory backend allocates nothing and does not suspend.
 *
 * @param prefix prepended to [key] as `"$prefix:$key"`, to keep strategies or versions apart.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    prefix: String = "",
    protected: Boolean = true,
    lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedWith(ttl, key, condition, timeCondition, prefix, protected, lock, jitter, upper, retry, tags) { block() }

/** [cached] with a TTL in the [Ttl] grammar (`"3h"`, `"10m"`). */
public suspend inline fun <reified T> Cache.cached(
    ttl: String,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    prefix: String = "",
    protected: Boolean = true,
    lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedWith(ttl, key, condition, timeCondition, prefix, protected, lock, jitter, upper, retry, tags) { block() }

/**
 * [cached] with a TTL computed from each loaded value, e.g. a token's own lifetime:
 * `cache.cached(ttl = { token: Token -> token.expiresIn }, key = "token") { auth.fetch() }`.
 */
public suspend inline fun <reified T> Cache.cached(
    noinline ttl: (T) -> Duration,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    prefix: String = "",
    protected: Boolean = true,
    lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedWith(ttl, key, condition, timeCondition, prefix, protected, lock, jitter, upper, retry, tags) { block() }

/**
 * [cached] with the key rendered from [key] and [args] (and the current [KeyContext]):
 * `cache.cached(1.hours, userKey, mapOf("id" to id)) { repo.load(id) }` where `userKey = KeyTemplate.of("user:{id}")`.
 * Each of [tags] is a template too, rendered with the same [args]: `tags = listOf("page:{page}")`.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    args: Map<String, Any?>,
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    prefix: String = "",
    protected: Boolean = true,
    lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    cached(
        ttl,
        key.renderInContext(args),
        condition,
        timeCondition,
        prefix,
        protected,
        lock,
        jitter,
        upper,
        retry,
        renderTags(tags, args),
    ) { block() }

/**
 * [cached] without a key: the key is derived from the call site and the values [block] captures, the way cashews
 * derives it from a function and its arguments. Two call sites never share a key; the same call site with the same
 * captured values always does, across restarts and JVMs.
 *
 * ```
 * suspend fun user(id: Long): User = cache.cached(3.hours) { repo.load(id) }   // key: "…UserService$user$1:id:42"
 * ```
 *
 * Only the captured values count, rendered as in [KeyTemplate]: capture what identifies the result (ids, not
 * whole services). Deriving the key reads the block's fields on every call; use an explicit key on the hottest
 * paths.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "",
    tags: Collection<String> = emptyList(),
    noinline block: suspend () -> T,
): T {
    val key = strategyKey(prefix, derivedKey(block))
    return loadCached(
        key,
        ttl,
        condition,
        null,
        true,
        false,
        0.0,
        false,
        null,
        tags,
        { ValueType.of<T>() },
        NotNow,
        block,
    )
}

/** [cached] without a key, with a TTL in the [Ttl] grammar: `cache.cached("3h") { api.rates() }`. */
public suspend inline fun <reified T> Cache.cached(
    ttl: String,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "",
    tags: Collection<String> = emptyList(),
    noinline block: suspend () -> T,
): T = cached(Ttl.parse(ttl), condition, prefix, tags, block)

/** [Cache.cached] without a key, on [Cache.Default]. */
public suspend inline fun <reified T> cached(
    ttl: Duration,
    noinline block: suspend () -> T,
): T = Cache.Default.cached(ttl, block = block)

/** [Cache.cached] without a key, on [Cache.Default], with a TTL in the [Ttl] grammar: `cached("3h") { api.rates() }`. */
public suspend inline fun <reified T> cached(
    ttl: String,
    noinline block: suspend () -> T,
): T = Cache.Default.cached(ttl, block = block)

/**
 * [tags] as key templates rendered with [args] and the current [KeyContext], on first read: only a load reads them,
 * so a hit neither parses nor renders them.
 */
@PublishedApi
internal suspend fun renderTags(tags: Collection<String>, args: Map<String, Any?>): Collection<String> {
    if (tags.isEmpty()) return tags
    val context = currentCoroutineContext()[KeyContext]?.values ?: emptyMap()
    return RenderedTags(tags, args, context)
}

private class RenderedTags(
    private val templates: Collection<String>,
    args: Map<String, Any?>,
    context: Map<String, Any?>,
) : AbstractCollection<String>() {
    private val rendered by lazy { templates.map { KeyTemplate.of(it).render(args, context) } }

    override val size: Int get() = templates.size

    override fun iterator(): Iterator<String> = rendered.iterator()
}

/** The derived key of a block: see [DerivedKey]. */
@PublishedApi
internal fun derivedKey(block: Any): String = DerivedKey.of(block)

/** [Cache.cached] on [Cache.Default]. */
public suspend inline fun <reified T> cached(
    ttl: Duration,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.cached(ttl, key, condition, tags = tags) { block() }

/** [Cache.cached] on [Cache.Default], with a TTL in the [Ttl] grammar. */
public suspend inline fun <reified T> cached(
    ttl: String,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = Cache.Default.cached(ttl, key, condition, tags = tags) { block() }

/**
 * The body of every keyed [cached] overload; [ttl] is a Duration, a TTL string or a function of the value. Inline
 * all the way, so a hit allocates nothing: the loader's lambda object is only made on a miss.
 */
@PublishedApi
internal suspend inline fun <reified T> Cache.cachedWith(
    ttl: Any,
    key: String,
    condition: CacheCondition,
    timeCondition: Duration?,
    prefix: String,
    protected: Boolean,
    lock: Boolean,
    jitter: Double,
    upper: Boolean,
    retry: Retry?,
    tags: Collection<String>,
    crossinline block: suspend () -> T,
): T {
    val storageKey = strategyKey(prefix, key)
    val now = lookupNow(storageKey) { ValueType.of<T>() }
    // A read that would suspend is made here only when it cannot be shared with the other callers of the key (see
    // loadCached); then a hit returns without entering the loading machinery.
    val found =
        if (now === NotNow && !sharesReads(storageKey, protected)) lookup(storageKey) { ValueType.of<T>() } else now
    if (found !== NotNow && found !== Miss && found !is StoredFailure && found is T &&
        (!mayHoldElements<T>() || TypeConformance.accepts(found) { ValueType.of<T>() })
    ) {
        if (observing) observeHit(storageKey, CACHED)
        return found
    }
    return loadCached(storageKey, ttl, condition, timeCondition, protected, lock, jitter, upper, retry, tags, {
        ValueType.of<T>()
    }, found) {
        block()
    }
}

/**
 * Whether concurrent `cached` calls for [key] share one backend read as well as one load: with single-flight on, on
 * a backend outside this process's memory (a read there costs a round trip or a file access, far more than joining a
 * flight), and with no context-held block (disable, transaction, invalidate-further) that could make one caller's
 * read differ from another's.
 */
@PublishedApi
internal fun Cache.sharesReads(key: String, protected: Boolean): Boolean =
    protected && !controls.scoped && route(key).backend !is MemoryBackend

/** The key a strategy stores under: [key] behind [prefix] and a colon, or [key] itself without a prefix. */
@PublishedApi
internal fun strategyKey(prefix: String, key: String): String = if (prefix.isEmpty()) key else "$prefix:$key"

/**
 * The slow path of [cached]: single-flight, an optional distributed lock, the load and what is stored of it.
 *
 * [found] is what the caller's own look at [key] found: [Miss], something to check again (a cached failure, a value
 * of another type), or [NotNow] when it has not looked. A caller that has not looked and [sharesReads] reads inside
 * the flight, so N concurrent callers of a key stored in Redis make one GET, not N, and a miss among them one load.
 */
@PublishedApi
internal suspend fun <T> Cache.loadCached(
    key: String,
    ttl: Any,
    condition: CacheCondition,
    timeCondition: Duration?,
    protected: Boolean,
    lock: Boolean,
    jitter: Double,
    upper: Boolean,
    retry: Retry?,
    tags: Collection<String>,
    type: () -> ValueType,
    found: Any?,
    block: suspend () -> T,
): T {
    require(jitter >= 0.0 && jitter < 1.0) { "jitter must be at least 0 and below 1, was $jitter" }
    require(!(ttl is Function1<*, *> && condition.storesExceptions && condition.exceptionTtl == null)) {
        "a TTL computed from the value cannot apply to a cached exception: give the condition an exception TTL"
    }
    val readInFlight = found === NotNow && sharesReads(key, protected)
    if (!readInFlight) {
        // A caller that has just found the key missing does not ask the backend again.
        val cachedNow = if (found === Miss) null else cachedOrNull<T>(key, type, condition)
        if (cachedNow != null) {
            if (observing) observeHit(key, CACHED)
            return cachedNow.value
        }
        if (events.reporting) events.miss(key, CACHED)
    }
    var innerHit = false
    val body: suspend () -> T =
        if (!upper) {
            block
        } else {
            {
                val detected = detect { block() }
                innerHit = detected.hits.isNotEmpty()
                detected.value
            }
        }
    val storeIf = if (upper) condition.and { _, _ -> !innerHit } else condition
    val load: suspend (SingleFlight.Flight<T>?) -> T = load@{ flight ->
        // The shared read, or a second look for a caller that has looked: the previous flight may have stored the
        // value just now. A cached failure is thrown again here, before anything is loaded.
        val cachedMeanwhile = cachedOrNull<T>(key, type, condition)
        if (cachedMeanwhile != null) return@load cachedMeanwhile.value
        if (flight != null) {
            flight.loaded = true
            // Only the caller that shared its read has not reported its miss yet.
            if (readInFlight && events.reporting) {
                events.miss(key, CACHED)
                flight.missReportedEarly()
            }
        }
        if (!lock) {
            return@load compute(
                CACHED,
                key,
                ttl,
                storeIf,
                timeCondition,
                jitter,
                flight,
                type,
                body,
                retry,
                tags,
            )
        }
        // One load across processes: the lock's holder loads (renewing its lease while the load runs) while the others
        // wait for its release and read what it stored.
        val recheck: suspend () -> Found<T>? = { cachedOrNull(key, type, condition) }
        // A caching strategy fails open: when the backend cannot lock, the load runs (single-flight in this process).
        lockOrRecheck("lock:$key", lockTtl(ttl), true, null, LOCK_RECHECK, true, OutagePolicy.FAIL_OPEN, recheck) {
            // Whoever held the lock before us may have stored the value since our last look.
            val storedByOther = cachedOrNull<T>(key, type, condition)
            if (storedByOther != null) {
                storedByOther.value
            } else {
                compute(CACHED, key, ttl, storeIf, timeCondition, jitter, flight, type, body, retry, tags)
            }
        }
    }
    if (!protected) return load(null)
    if (!readInFlight) return singleFlight.run(key) { flight -> load(flight) }
    val flight = singleFlight.await(key) { flight -> load(flight) }
    // Each caller reports what the shared read meant for it, in its own context (detect blocks are per caller). A
    // failure read from the cache is thrown again without a hit or a miss, as on the unshared path.
    val outcome = flight.outcome!!
    if (flight.loaded) {
        if (events.reporting && !flight.claimEarlyMiss()) events.miss(key, CACHED)
    } else if (outcome.isSuccess && observing) {
        observeHit(key, CACHED)
    }
    return outcome.getOrThrow()
}

@PublishedApi
internal const val CACHED: String = "cached"

/** How often a process waiting for another's load checks again when no release notice comes (one may be lost). */
private val LOCK_RECHECK = 100.milliseconds

/** A value found in the cache, boxed so that a cached `null` differs from a miss. */
@JvmInline
internal value class Found<T>(
    val value: T,
)

/**
 * The cached value at [key] as a [type], a miss as `null`, or the cached exception thrown again when [condition]
 * caches its type (else a stored failure is a miss: see [StoredFailure.errorFor]).
 */
internal suspend fun <T> Cache.cachedOrNull(key: String, type: () -> ValueType, condition: CacheCondition): Found<T>? {
    val found = lookup(key, type)
    if (found is StoredFailure) throw found.errorFor(condition) ?: return null
    if (found === Miss) return null
    val valueType = type()
    val acceptable =
        if (found == null) {
            valueType.kotlinType?.isMarkedNullable ?: true
        } else {
            valueType.javaClass.isInstance(found) && TypeConformance.accepts(found) { valueType }
        }
    @Suppress("UNCHECKED_CAST")
    return if (acceptable) Found(found as T) else null
}

internal suspend fun <T> Cache.compute(
    strategy: String,
    key: String,
    ttl: Any,
    condition: CacheCondition,
    timeCondition: Duration?,
    jitter: Double,
    flight: SingleFlight.Flight<T>?,
    type: () -> ValueType,
    block: suspend () -> T,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    afterStore: suspend () -> Unit = {},
): T {
    // Versions are read before the load, so a deleteTags while it runs leaves its result unreadable.
    val stamp = tagVersions.stamp(tags)
    val started = timeSource.markNow()
    val value =
        try {
            if (retry == null) block() else retry.run(block)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            if (events.reporting) events.loadFailure(key, strategy, e, started.elapsedNow())
            if (condition.storesException(e)) {
                val stored =
                    storeUnlessInvalidated(
                        key,
                        StoredFailure.of(e),
                        condition.exceptionTtl ?: ttlFor(ttl, null, jitter),
                        flight,
                        stamp,
                        type,
                    )
                if (stored && events.reporting) events.put(key, strategy)
            }
            throw e
        }
    val took = started.elapsedNow()
    if (events.reporting) events.load(key, strategy, took)
    if ((timeCondition == null || took > timeCondition) && condition.storesValue(value, key)) {
        if (storeUnlessInvalidated(key, value, ttlFor(ttl, value, jitter), flight, stamp, type)) {
            if (events.reporting) events.put(key, strategy)
            afterStore()
        }
    }
    return value
}

/**
 * Runs [block] once for all concurrent callers of [key] and stores its result for [ttl]: the loading step that
 * early's refresh and hit share (they use neither a time condition nor jitter).
 */
internal suspend fun <T> Cache.loadShared(
    strategy: String,
    key: String,
    ttl: Duration,
    condition: CacheCondition,
    retry: Retry?,
    tags: Collection<String>,
    type: () -> ValueType,
    block: suspend () -> T,
    afterStore: suspend () -> Unit,
): T =
    singleFlight.run(key) { flight ->
        compute(strategy, key, ttl, condition, null, 0.0, flight, type, block, retry, tags, afterStore)
    }

/**
 * Stores a load's outcome unless the key was invalidated while it ran. The flag is checked again after the write,
 * so a delete that lands between the check and the write still wins.
 */
private suspend fun Cache.storeUnlessInvalidated(
    key: String,
    value: Any?,
    ttl: Duration,
    flight: SingleFlight.Flight<*>?,
    stamp: TagStamp?,
    type: () -> ValueType,
): Boolean {
    if (flight?.invalidated == true) return false
    storeStamped(key, value, ttl, SetCondition.ALWAYS, stamp, type)
    if (flight?.invalidated == true) {
        backendOf(route(key)).delete(key)
        return false
    }
    return true
}

/** The TTL for [value] from a strategy's TTL argument (a Duration, a TTL string or a function of the value). */
internal fun ttlFor(ttl: Any, value: Any?, jitter: Double): Duration {
    val base =
        when (ttl) {
            is Duration -> {
                Ttl.requirePositive(ttl)
            }

            is String -> {
                Ttl.parse(ttl)
            }

            else -> {
                @Suppress("UNCHECKED_CAST")
                Ttl.requirePositive((ttl as (Any?) -> Duration)(value))
            }
        }
    if (jitter == 0.0 || base.isInfinite()) return base
    return (base * (1 - jitter * Random.nextDouble())).coerceAtLeast(1.milliseconds)
}

/** Checks a strategy's [ttl] and its freshness period [fresh] (named [name] in errors): both positive, fresh ≤ ttl. */
internal fun requireFreshWithin(ttl: Duration, fresh: Duration, name: String) {
    Ttl.requirePositive(ttl)
    Ttl.requirePositive(fresh)
    require(fresh <= ttl) { "$name ($fresh) must not exceed ttl ($ttl)" }
}

private fun lockTtl(ttl: Any): Duration =
    when (ttl) {
        is Duration -> ttl
        is String -> Ttl.parse(ttl)
        else -> 1.minutes // a TTL known only from the value: bound the lock by a minute
    }

package io.cashews

import io.cashews.internal.load.Coalescer
import io.cashews.internal.load.HandleCall
import io.cashews.internal.load.HandleCounters
import io.cashews.internal.load.HandleKeys
import io.cashews.internal.load.HandleListener
import io.cashews.internal.load.RenderedTags
import io.cashews.internal.load.concurrently
import io.cashews.internal.load.loadMany
import io.cashews.internal.load.runPolicy
import io.cashews.internal.value.Marker
import io.cashews.internal.value.NotNow
import io.cashews.internal.value.TypeConformance
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.flow.filter
import java.util.concurrent.CompletableFuture

/**
 * A function bound once to a cache under a [policy]: the decorator of cashews, as a value. Call it like the function
 * it wraps; its arguments render its keys from the policy's key template.
 *
 * ```
 * val userById = cache.function(ttl = "3h", key = "user:{id}", tags = listOf("users")) { id: Long -> repo.load(id) }
 * userById(42)             // cached under "user:42"
 * userById.invalidate(42)  // the next call loads again
 * userById.info()          // hits, misses, loads, size
 * ```
 *
 * A hit of a `cached` handle on the in-memory backend neither suspends nor allocates when its key has at most three
 * arguments of value types (strings, numbers, enums, UUIDs): their rendered keys are remembered (see [info]).
 * Handles are safe to share between coroutines and threads; build one per function, not one per call.
 */
public sealed class CachedFunction<R>(
    /** The cache the handle reads and writes. */
    public val cache: Cache,
    /** The policy the handle was bound with (cashews' `cache_parameters`: see [StrategyPolicy.parameters]). */
    public val policy: StrategyPolicy,
    internal val keys: HandleKeys,
    type: ValueType,
    /**
     * Whether calls go through the cache: `false` calls the function every time and stores nothing (aquiche's
     * `enabled=False`), fixed when the handle is bound ([FunctionBinding.enabled]).
     */
    public val enabled: Boolean,
) {
    internal val typeOf: () -> ValueType = { type }
    internal val counters = HandleCounters()

    // What a hit must be, decided once here rather than on every call: an instance of the value class (boxed), a
    // cached null only for a nullable type, and elements checked only for a type that may be a container.
    private val valueClass: Class<*> = type.javaClass.kotlin.javaObjectType
    private val takesNull: Boolean = type.kotlinType?.isMarkedNullable ?: true
    private val checksElements: Boolean = TypeConformance.mayHoldElements(valueClass)

    /** The key template the handle's keys are rendered from, without the policy's prefix. */
    public val key: KeyTemplate get() = keys.template

    /** Loads the value for the arguments [a], [b], [c] (those the handle does not take are `null`). */
    internal abstract suspend fun load(a: Any?, b: Any?, c: Any?): R

    /**
     * The value of a call with [a], [b], [c] when it is an in-memory hit that needs no suspending work, counted as a
     * hit; else [NotNow]. The blocking Java face answers hits with it before it starts a coroutine.
     */
    @OptIn(InternalCacheApi::class)
    internal fun hitNow(a: Any?, b: Any?, c: Any?): Any? = onHitNow(a, b, c, NotNow) { _, found -> found }

    /** [hitNow] as a completed future, the same one for every hit of an unchanged entry; `null` when not a hit. */
    @OptIn(InternalCacheApi::class)
    internal fun hitFutureNow(a: Any?, b: Any?, c: Any?): CompletableFuture<Any?>? =
        onHitNow(a, b, c, null) { remembered, found -> remembered.answeredWith(found) }

    @OptIn(InternalCacheApi::class)
    private inline fun <A> onHitNow(
        a: Any?,
        b: Any?,
        c: Any?,
        miss: A,
        hit: (RememberedKey, Any?) -> A,
    ): A {
        if (policy !is CachedPolicy || cache.observing) return miss
        val remembered = keys.remembered(a, b, c) ?: return miss
        val found = cache.lookupNow(remembered, typeOf)
        if (found is Marker || !isHit(found)) return miss
        counters.hits.increment()
        return hit(remembered, found)
    }

    /** A call with the arguments [a], [b], [c]: the hit path in this function, only tail calls out of it. */
    @OptIn(InternalCacheApi::class)
    internal suspend fun call(a: Any?, b: Any?, c: Any?): R {
        val remembered = keys.remembered(a, b, c) ?: return rendering(a, b, c)
        if (policy !is CachedPolicy) return slow(remembered.key, NotNow, a, b, c)
        val found = cache.lookupNow(remembered, typeOf)
        if (found is Marker || !isHit(found)) return missed(remembered.key, found, a, b, c)
        counters.hits.increment()
        @Suppress("UNCHECKED_CAST")
        if (cache.observing) return observed(remembered.key, found as R)
        @Suppress("UNCHECKED_CAST")
        return found as R
    }

    /** Whether [found], a value the in-memory look answered, is one this handle returns: see [valueClass]. */
    private fun isHit(found: Any?): Boolean =
        if (found == null) {
            takesNull
        } else {
            valueClass.isInstance(found) && (!checksElements || TypeConformance.accepts(found, typeOf))
        }

    private suspend fun observed(key: String, value: R): R {
        cache.observeHit(key, policy.strategy)
        return value
    }

    /** A call of a disabled handle: the function itself, counted as a miss and a load. */
    private suspend fun uncached(a: Any?, b: Any?, c: Any?): R {
        counters.misses.increment()
        counters.loads.increment()
        return load(a, b, c)
    }

    /**
     * A call whose key cannot be remembered: rendered (with the [KeyContext]) on every call. A disabled handle's keys
     * are never remembered, so its calls come here too, off the hit path.
     */
    private suspend fun rendering(a: Any?, b: Any?, c: Any?): R =
        if (enabled) missed(keys.key(a, b, c), NotNow, a, b, c) else uncached(a, b, c)

    /** A call that was not an in-memory hit: [slow] here, a coalesced batch for a handle that coalesces. */
    internal open suspend fun missed(key: String, found: Any?, a: Any?, b: Any?, c: Any?): R = slow(key, found, a, b, c)

    /** The general path of a call: its policy, with the call's tags and this handle's counters. */
    internal suspend fun slow(key: String, found: Any?, a: Any?, b: Any?, c: Any?): R {
        val tags =
            if (policy !is CachingPolicy || policy.tags.isEmpty()) {
                emptyList()
            } else {
                RenderedTags.of(policy.tags, keys.values(a, b, c))
            }
        return cache.runPolicy(policy, key, typeOf, found, HandleCall(tags, counters)) { load(a, b, c) }
    }

    /**
     * Deletes what the handle stored for the arguments [a], [b], [c], and what its strategy keeps beside it (a
     * freshness marker, a hit counter); a load of that key already running will not store its result. With [stale],
     * marks the value stale instead ([Cache.markStale]): a `serveStale` policy keeps serving it while one refresh
     * loads it again. Returns whether a value was stored.
     */
    internal suspend fun invalidateArgs(a: Any?, b: Any?, c: Any?, stale: Boolean = false): Boolean {
        val key = keys.key(a, b, c)

        @OptIn(InternalCacheApi::class)
        val besides = StrategyKeys.besides(key).let { if (stale) it - StrategyKeys.stale(key) else it }
        val existed = if (stale) cache.markStale(key) else cache.delete(key)
        cache.deleteMany(besides)
        return existed
    }

    /**
     * Deletes every value the handle stored, whatever its arguments: every key its template (with every placeholder a
     * `*`, behind the prefix) matches. Give each handle a key template of its own, or this also deletes the keys of
     * another that shares it. Returns how many keys were deleted.
     */
    public suspend fun clear(): Long = cache.deleteMatch(keys.glob)

    /**
     * The value stored for the arguments [a], [b], [c] without loading it (cacheme's `Node.objects.get`), or `null`
     * when none is (a cached `null` reads the same). Nothing is counted: it is a look, not a call.
     */
    internal suspend fun peekArgs(a: Any?, b: Any?, c: Any?): R? {
        val found = cache.values.lookup(keys.key(a, b, c), typeOf)
        @Suppress("UNCHECKED_CAST")
        return if (found is Marker || !isHit(found)) null else found as R
    }

    /**
     * Tells [listener] what happens to this handle's keys only (cacheme's per-node `hit`/`miss` hooks): the cache's
     * events ([Cache.addListener]) whose key the handle's template matches. Close the answer to stop. While any
     * listener is registered, hits report events, which takes them off the allocation-free path.
     */
    public fun listen(listener: CacheEventListener): AutoCloseable {
        val mine = GlobPattern(keys.glob)
        val filtered = HandleListener(listener, mine)
        cache.addListener(filtered)
        return AutoCloseable { cache.removeListener(filtered) }
    }

    /**
     * Removes now the expired entries that the backend holding the handle's keys keeps until its next sweep (see
     * [Cache.removeExpired]; the sweep covers that whole backend, whose expired entries are of no use to anyone).
     * Returns how many were removed.
     */
    public suspend fun removeExpired(): Long =
        (cache.route(keys.glob).backend as? ExpirySweepingBackend)?.removeExpired() ?: 0L

    /**
     * How the handle has fared since it was built (cashews' `cache_info`): its hits, misses and loads, how many
     * values it holds now, and when the backend last swept out expired entries. Counting the values scans the keys
     * of the handle's template: call it for monitoring, not on a hot path.
     */
    public suspend fun info(): CachedFunctionInfo {
        @OptIn(InternalCacheApi::class)
        val size = cache.scan(keys.glob).filter { !StrategyKeys.isBeside(it) }.count()
        val backend = cache.route(keys.glob).backend
        return CachedFunctionInfo(
            hits = counters.hits.sum(),
            misses = counters.misses.sum(),
            loads = counters.loads.sum(),
            size = size.toLong(),
            sinceExpirySweep = (backend as? MemoryBackend)?.lastSweep?.elapsedNow(),
        )
    }

    override fun toString(): String = "CachedFunction(${keys.template}, $policy)"
}

/** A [CachedFunction] of no arguments. */
public class CachedFunction0<R> internal constructor(
    cache: Cache,
    policy: StrategyPolicy,
    keys: HandleKeys,
    type: ValueType,
    enabled: Boolean,
    private val loader: suspend () -> R,
) : CachedFunction<R>(cache, policy, keys, type, enabled) {
    /** The cached value, loaded when missing. */
    public suspend operator fun invoke(): R = call(null, null, null)

    /** Deletes the stored value; returns whether there was one. */
    public suspend fun invalidate(stale: Boolean = false): Boolean = invalidateArgs(null, null, null, stale)

    /** The value stored for these arguments without loading it, or `null` when none is. */
    public suspend fun peek(): R? = peekArgs(null, null, null)

    override suspend fun load(a: Any?, b: Any?, c: Any?): R = loader()
}

/** A [CachedFunction] of one argument. */
public class CachedFunction1<A, R> internal constructor(
    cache: Cache,
    policy: StrategyPolicy,
    keys: HandleKeys,
    type: ValueType,
    enabled: Boolean,
    private val loader: suspend (A) -> R,
    private val bulkLoader: (suspend (List<A>) -> Map<A, R>)? = null,
    private val coalesce: Boolean = false,
) : CachedFunction<R>(cache, policy, keys, type, enabled) {
    /** The cached value for [a], loaded when missing. */
    public suspend operator fun invoke(a: A): R = call(a, null, null)

    /** Deletes the value stored for [a]; returns whether there was one. */
    public suspend fun invalidate(a: A, stale: Boolean = false): Boolean = invalidateArgs(a, null, null, stale)

    /** The value stored for these arguments without loading it, or `null` when none is. */
    public suspend fun peek(a: A): R? = peekArgs(a, null, null)

    @Suppress("UNCHECKED_CAST")
    override suspend fun load(a: Any?, b: Any?, c: Any?): R = loader(a as A)

    /**
     * The values for many arguments at once (Caffeine's `getAll`), as [Cache.cachedMany] answers them: the cached ones
     * from one read, the others from one call of the bulk loader ([withBulkLoader]), with per-key single-flight shared
     * with this handle's single calls. Without a bulk loader, the missing values are loaded by the handle's function,
     * concurrently. The answer keeps the order of [args], without those the bulk loader left out.
     *
     * Only a `cached` handle loads in batches; a handle of another strategy answers each argument by a call of its own.
     */
    public suspend fun getAll(args: Collection<A>): Map<A, R> {
        if (!enabled || policy !is CachedPolicy) return concurrently(args.distinct()) { invoke(it) }
        return cache.loadMany(policy, args, { keys.key(it, null, null) }, tagsOf, typeOf, counters, bulk)
    }

    /**
     * This handle with [loadAll] as its bulk loader: [getAll] hands it every argument that missed, and it answers the
     * values it found (those it leaves out are not cached). With [coalesce], single calls of the new handle that miss
     * and arrive together (before the cache's dispatcher runs the batch) are answered by one [getAll]: one `MGET` and
     * one [loadAll] for all of them (DataLoader's pattern). An argument [loadAll] leaves out is then loaded by the
     * handle's own function. Hits are not delayed: an in-memory hit still returns at once.
     *
     * The new handle counts its own [info]; build it once, like any handle.
     */
    @JvmOverloads
    public fun withBulkLoader(
        coalesce: Boolean = false,
        loadAll: suspend (args: List<A>) -> Map<A, R>,
    ): CachedFunction1<A, R> {
        require(!coalesce || policy is CachedPolicy) {
            "only a cached handle coalesces its calls; this one is '${policy.strategy}'"
        }
        return CachedFunction1(cache, policy, keys, typeOf(), enabled, loader, loadAll, coalesce)
    }

    private val bulk: suspend (List<A>) -> Map<A, R> =
        bulkLoader ?: { missing -> concurrently(missing) { loader(it) } }

    private val tagsOf: (suspend (A) -> Collection<String>)? =
        if (policy !is CachingPolicy || policy.tags.isEmpty()) {
            null
        } else {
            { a -> RenderedTags.of(policy.tags, keys.values(a, null, null)) }
        }

    private val coalescer: Coalescer<A, R>? =
        if (coalesce && enabled) {
            Coalescer(cache.scope, ::getAll) { a -> slow(keys.key(a, null, null), NotNow, a, null, null) }
        } else {
            null
        }

    @Suppress("UNCHECKED_CAST")
    override suspend fun missed(key: String, found: Any?, a: Any?, b: Any?, c: Any?): R {
        val batching = coalescer ?: return slow(key, found, a, b, c)
        return batching.get(a as A)
    }
}

/** A [CachedFunction] of two arguments. */
public class CachedFunction2<A, B, R> internal constructor(
    cache: Cache,
    policy: StrategyPolicy,
    keys: HandleKeys,
    type: ValueType,
    enabled: Boolean,
    private val loader: suspend (A, B) -> R,
) : CachedFunction<R>(cache, policy, keys, type, enabled) {
    /** The cached value for [a] and [b], loaded when missing. */
    public suspend operator fun invoke(a: A, b: B): R = call(a, b, null)

    /** Deletes the value stored for [a] and [b]; returns whether there was one. */
    public suspend fun invalidate(a: A, b: B, stale: Boolean = false): Boolean = invalidateArgs(a, b, null, stale)

    /** The value stored for these arguments without loading it, or `null` when none is. */
    public suspend fun peek(a: A, b: B): R? = peekArgs(a, b, null)

    @Suppress("UNCHECKED_CAST")
    override suspend fun load(a: Any?, b: Any?, c: Any?): R = loader(a as A, b as B)
}

/** A [CachedFunction] of three arguments; for more, pass one value holding them. */
public class CachedFunction3<A, B, C, R> internal constructor(
    cache: Cache,
    policy: StrategyPolicy,
    keys: HandleKeys,
    type: ValueType,
    enabled: Boolean,
    private val loader: suspend (A, B, C) -> R,
) : CachedFunction<R>(cache, policy, keys, type, enabled) {
    /** The cached value for [a], [b] and [c], loaded when missing. */
    public suspend operator fun invoke(a: A, b: B, c: C): R = call(a, b, c)

    /** Deletes the value stored for [a], [b] and [c]; returns whether there was one. */
    public suspend fun invalidate(a: A, b: B, c: C, stale: Boolean = false): Boolean = invalidateArgs(a, b, c, stale)

    /** The value stored for these arguments without loading it, or `null` when none is. */
    public suspend fun peek(a: A, b: B, c: C): R? = peekArgs(a, b, c)

    @Suppress("UNCHECKED_CAST")
    override suspend fun load(a: Any?, b: Any?, c: Any?): R = loader(a as A, b as B, c as C)
}

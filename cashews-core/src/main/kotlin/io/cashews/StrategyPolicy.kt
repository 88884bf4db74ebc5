@file:OptIn(InternalCacheApi::class)

package io.cashews

import io.cashews.StrategyDecision.LOAD
import io.cashews.StrategyDecision.LOAD_OR_SERVE_STALE
import io.cashews.StrategyDecision.LOAD_UNDER_LOCK
import io.cashews.StrategyDecision.SERVE
import io.cashews.StrategyDecision.SERVE_AND_REFRESH
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.toJavaDuration

/**
 * A strategy as a value: everything a strategy needs to serve a call, built once and checked when built. The Kotlin
 * strategy functions (`cached`, `early`, …), function handles ([Cache.function]) and the other faces of the library
 * all build one of these, and one executor carries every policy out.
 *
 * Policies are immutable; [toString] lists their settings (the handle's `cache_parameters`).
 */
public sealed class StrategyPolicy(
    /** The key template a [function handle][Cache.function] renders its keys from; `null` when each call gives its key. */
    public val key: KeyTemplate?,
    /** Prepended to every key as `"$prefix:$key"`, to keep strategies or versions apart; empty for none. */
    public val prefix: String,
) {
    /** The strategy's name in [Cache.stats] and [CacheEventListener] events. */
    public abstract val strategy: String

    /** The key a call for [key] stores under: [key] behind [prefix] and a colon, or [key] itself without a prefix. */
    public fun storageKey(key: String): String = strategyKey(prefix, key)

    /** The settings this policy was built with, by name, in declaration order. */
    public abstract fun parameters(): Map<String, Any?>

    override fun toString(): String =
        "${javaClass.simpleName}(${parameters().entries.joinToString { (name, value) -> "$name=$value" }})"
}

/**
 * A strategy that loads and stores: the TTL rule, what is stored ([condition], [timeCondition]), how ([jitter],
 * [upper], [retry]) and the [tags] of what is stored. Tags may be key templates, rendered with a handle's arguments.
 */
public sealed class CachingPolicy(
    /** How long a stored outcome is kept. */
    public val ttl: TtlRule,
    key: KeyTemplate?,
    prefix: String,
    /** Which outcomes are stored. */
    public val condition: CacheCondition,
    /** Stores only results that took longer than this to compute; `null` stores them all. */
    public val timeCondition: Duration?,
    /** Each TTL is shortened by a random fraction up to this (at least 0, below 1), spreading expiries. */
    public val jitter: Double,
    /** Caches at an outer layer only: a load that served a value from a cache inside is returned, not stored. */
    public val upper: Boolean,
    /** Retries a failed load with backoff, once for every caller waiting on it. */
    public val retry: Retry?,
    /** The tags of what is stored (see [Cache.deleteTags]). */
    public val tags: List<String>,
    /**
     * Concurrent callers that need a load of the same key (a cold key; for soft, a stale one) share one run of the
     * block. Off, each caller loads on its own. Always `false` for [FailoverPolicy], whose every call loads.
     */
    public val protected: Boolean,
    /**
     * Tags computed from each loaded value, added to [tags] (cacheme's `invalid_keys` from the result): a book's
     * owner read from the book. `null` for none. Their versions are read after the load, so a [Cache.deleteTags]
     * of one of them landing while the load runs is not seen.
     */
    public val resultTags: ((value: Any?) -> Collection<String>)?,
    /** Stores a key's load only from its second time on (see [DoorKeeper]); `null` stores every load. */
    public val doorKeeper: DoorKeeper?,
) : StrategyPolicy(key, prefix) {
    /** [timeCondition] for Java, where the property's getter has a mangled name. */
    @JvmName("getTimeCondition")
    public fun timeConditionJavaDuration(): java.time.Duration? = timeCondition?.toJavaDuration()

    init {
        require(jitter >= 0.0 && jitter < 1.0) { "jitter must be at least 0 and below 1, was $jitter" }
        require(!(ttl is TtlRule.FromValue && condition.storesExceptions && condition.exceptionTtl == null)) {
            "a TTL computed from the value cannot apply to a cached exception: give the condition an exception TTL"
        }
        if (ttl is TtlRule.Fixed) Ttl.requirePositive(ttl.ttl)
    }

    /**
     * What to do with a call, given whether a readable value is [stored], whether it is [fresh] (the strategy's own
     * freshness: early's and soft's marker, a Ktor response's age) and, for [HitPolicy], the [hits] counted so far
     * including this call. A pure function: the executor reads, this decides.
     */
    @InternalCacheApi
    public abstract fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision

    /** The settings every caching strategy shares, for [parameters]. */
    internal fun common(): Map<String, Any?> =
        linkedMapOf(
            "ttl" to ttl,
            "key" to key,
            "prefix" to prefix,
            "condition" to condition,
            "timeCondition" to timeCondition,
            "jitter" to jitter,
            "upper" to upper,
            "retry" to retry,
            "tags" to tags,
            "resultTags" to resultTags,
            "doorKeeper" to doorKeeper,
        )
}

/**
 * [Cache.cached]: serve what is stored, else load (single-flight when [protected], one load cluster-wide with
 * [lock]) and store the result for [ttl].
 */
public class CachedPolicy(
    ttl: TtlRule,
    key: KeyTemplate? = null,
    prefix: String = "",
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    protected: Boolean = true,
    /** A lock taken through the backend makes the load one across every process sharing it. */
    public val lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: List<String> = emptyList(),
    /**
     * A value [Cache.markStale] marked stale is served at once while one background refresh loads the key again
     * (cacheme's `stale`). Off, a stale-marked key is a miss; on, a miss costs one more read, of the stale copy.
     */
    public val serveStale: Boolean = false,
    resultTags: ((value: Any?) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
) : CachingPolicy(
        ttl,
        key,
        prefix,
        condition,
        timeCondition,
        jitter,
        upper,
        retry,
        tags,
        protected,
        resultTags,
        doorKeeper,
    ) {
    override val strategy: String get() = StrategyKeys.CACHED

    public companion object {
        /** A policy for a handle: [ttl] in the [Ttl] grammar, [key] and [tags] as key templates, defaults otherwise. */
        @JvmStatic
        @JvmOverloads
        public fun of(ttl: String, key: String, tags: List<String> = emptyList()): CachedPolicy =
            CachedPolicy(TtlRule.Fixed(Ttl.parse(ttl)), KeyTemplate.of(key), tags = tags)
    }

    @InternalCacheApi
    override fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision =
        when {
            stored -> SERVE
            lock -> LOAD_UNDER_LOCK
            else -> LOAD
        }

    override fun parameters(): Map<String, Any?> =
        common() + mapOf("protected" to protected, "lock" to lock, "serveStale" to serveStale)

    /**
     * This policy as `early` with values fresh for [after]: what a `cached` call does on a backend set up with
     * `refresh_after` (Caffeine's refreshAfterWrite). `null` when nothing would ever be refreshed: a TTL known only
     * from each value, or one not longer than [after].
     */
    internal fun refreshingAfter(after: Duration): EarlyPolicy? {
        val fixed = (ttl as? TtlRule.Fixed)?.ttl ?: return null
        if (after >= fixed) return null
        return EarlyPolicy(
            fixed,
            earlyTtl = after,
            condition = condition,
            prefix = prefix,
            retry = retry,
            tags = tags,
            timeCondition = timeCondition,
            jitter = jitter,
            upper = upper,
            protected = protected,
            resultTags = resultTags,
            doorKeeper = doorKeeper,
        )
    }
}

/**
 * [Cache.early]: a value is fresh for [earlyTtl] and kept for [ttl]; a call past [earlyTtl] is answered with the
 * stored value while one refresh runs in the background.
 */
public class EarlyPolicy(
    ttl: Duration,
    key: KeyTemplate? = null,
    earlyTtl: Duration? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = StrategyKeys.EARLY_PREFIX,
    retry: Retry? = null,
    tags: List<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    resultTags: ((value: Any?) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
) : CachingPolicy(
        TtlRule.Fixed(ttl),
        key,
        prefix,
        condition,
        timeCondition,
        jitter,
        upper,
        retry,
        tags,
        protected,
        resultTags,
        doorKeeper,
    ) {
    /** How long a stored value is fresh: a third of the TTL unless given. */
    public val earlyTtl: Duration = earlyTtl ?: (ttl / 3)

    /** [earlyTtl] for Java, where the property's getter has a mangled name. */
    @JvmName("getEarlyTtl")
    public fun earlyTtlJavaDuration(): java.time.Duration = earlyTtl.toJavaDuration()

    init {
        requireFreshWithin(ttl, this.earlyTtl, "earlyTtl")
    }

    override val strategy: String get() = StrategyKeys.EARLY

    @InternalCacheApi
    override fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision =
        when {
            !stored -> LOAD
            fresh -> SERVE
            else -> SERVE_AND_REFRESH
        }

    override fun parameters(): Map<String, Any?> = common() + mapOf("earlyTtl" to earlyTtl, "protected" to protected)
}

/**
 * [Cache.soft]: a value older than [softTtl] is loaded again; when that load fails with one of [exceptions], the
 * stored value is served instead, until [ttl]. `null` [exceptions] are the cache's [Cache.defaultFailExceptions].
 */
public class SoftPolicy(
    ttl: Duration,
    key: KeyTemplate? = null,
    softTtl: Duration? = null,
    /** The failures a stale value is served for; `null` for the cache's [Cache.defaultFailExceptions]. */
    public val exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = StrategyKeys.SOFT_PREFIX,
    retry: Retry? = null,
    tags: List<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    resultTags: ((value: Any?) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
) : CachingPolicy(
        TtlRule.Fixed(ttl),
        key,
        prefix,
        condition,
        timeCondition,
        jitter,
        upper,
        retry,
        tags,
        protected,
        resultTags,
        doorKeeper,
    ) {
    /** How long a stored value is fresh: a third of the TTL unless given. */
    public val softTtl: Duration = softTtl ?: (ttl / 3)

    /** [softTtl] for Java, where the property's getter has a mangled name. */
    @JvmName("getSoftTtl")
    public fun softTtlJavaDuration(): java.time.Duration = softTtl.toJavaDuration()

    init {
        requireFreshWithin(ttl, this.softTtl, "softTtl")
    }

    override val strategy: String get() = StrategyKeys.SOFT

    @InternalCacheApi
    override fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision =
        if (stored && fresh) SERVE else LOAD_OR_SERVE_STALE

    override fun parameters(): Map<String, Any?> =
        common() + mapOf("softTtl" to softTtl, "exceptions" to exceptions, "protected" to protected)
}

/**
 * [Cache.failover]: every call loads; the last good result is kept for [ttl] and served when a load fails with one
 * of [exceptions] (`null`: the cache's [Cache.defaultFailExceptions]).
 */
public class FailoverPolicy(
    ttl: Duration,
    key: KeyTemplate? = null,
    /** The failures the last good result is served for; `null` for the cache's [Cache.defaultFailExceptions]. */
    public val exceptions: Set<KClass<out Throwable>>? = null,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = StrategyKeys.FAILOVER_PREFIX,
    tags: List<String> = emptyList(),
    retry: Retry? = null,
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    resultTags: ((value: Any?) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
) : CachingPolicy(
        TtlRule.Fixed(ttl),
        key,
        prefix,
        condition,
        timeCondition,
        jitter,
        upper,
        retry,
        tags,
        false,
        resultTags,
        doorKeeper,
    ) {
    override val strategy: String get() = StrategyKeys.FAILOVER

    @InternalCacheApi
    override fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision = LOAD_OR_SERVE_STALE

    override fun parameters(): Map<String, Any?> = common() + mapOf("exceptions" to exceptions)
}

/**
 * [Cache.hit] and [Cache.dynamic]: a value is served for at most [cacheHits] hits (and at most [ttl]); the
 * [updateAfter]-th hit, when above 0, also refreshes it in the background.
 */
public class HitPolicy(
    ttl: Duration,
    /** How many hits a loaded value serves; positive. */
    public val cacheHits: Int,
    key: KeyTemplate? = null,
    /** The hit that starts a background refresh, within `0..cacheHits`; 0 for none. */
    public val updateAfter: Int = 0,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = StrategyKeys.HIT_PREFIX,
    retry: Retry? = null,
    tags: List<String> = emptyList(),
    timeCondition: Duration? = null,
    jitter: Double = 0.0,
    upper: Boolean = false,
    protected: Boolean = true,
    resultTags: ((value: Any?) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
) : CachingPolicy(
        TtlRule.Fixed(ttl),
        key,
        prefix,
        condition,
        timeCondition,
        jitter,
        upper,
        retry,
        tags,
        protected,
        resultTags,
        doorKeeper,
    ) {
    /** How long the hit count is kept: the value's TTL. */
    internal val counterTtl: Duration = ttl

    init {
        require(cacheHits > 0) { "cacheHits must be positive, was $cacheHits" }
        require(updateAfter in 0..cacheHits) {
            "updateAfter must be within 0..cacheHits ($cacheHits), was $updateAfter"
        }
    }

    override val strategy: String get() = StrategyKeys.HIT

    @InternalCacheApi
    override fun decide(stored: Boolean, fresh: Boolean, hits: Long): StrategyDecision =
        when {
            !stored || !fresh || hits !in 1..cacheHits -> LOAD
            updateAfter > 0 && hits == updateAfter.toLong() -> SERVE_AND_REFRESH
            else -> SERVE
        }

    override fun parameters(): Map<String, Any?> =
        common() + mapOf("cacheHits" to cacheHits, "updateAfter" to updateAfter, "protected" to protected)

    public companion object {
        /** [Cache.dynamic]'s policy: three hits a load, a background refresh after the first hit. */
        @JvmStatic
        @JvmOverloads
        public fun dynamic(
            ttl: Duration = 1.days,
            key: KeyTemplate? = null,
            condition: CacheCondition = CacheCondition.Always,
            prefix: String = StrategyKeys.DYNAMIC_PREFIX,
            tags: List<String> = emptyList(),
            timeCondition: Duration? = null,
            jitter: Double = 0.0,
            upper: Boolean = false,
            protected: Boolean = true,
            resultTags: ((value: Any?) -> Collection<String>)? = null,
            doorKeeper: DoorKeeper? = null,
        ): HitPolicy =
            HitPolicy(
                ttl,
                DYNAMIC_HITS,
                key,
                updateAfter = 1,
                condition = condition,
                prefix = prefix,
                tags = tags,
                timeCondition = timeCondition,
                jitter = jitter,
                upper = upper,
                protected = protected,
                resultTags = resultTags,
                doorKeeper = doorKeeper,
            )

        private const val DYNAMIC_HITS = 3
    }
}

/**
 * [Cache.locked]: one caller at a time per key across every process sharing the backend; nothing is stored. The
 * lock is held for at most [ttl]; callers [wait] for it (up to [waitTimeout]) or fail with [LockedError].
 */
public class LockedPolicy(
    /** How long the lock is held at most: positive and finite. */
    public val ttl: Duration,
    key: KeyTemplate? = null,
    /** Whether a caller waits for a held lock; otherwise it fails at once with [LockedError]. */
    public val wait: Boolean = true,
    /** How long a caller waits at most; `null` for as long as it takes. */
    public val waitTimeout: Duration? = null,
    prefix: String = StrategyKeys.LOCKED_PREFIX,
    /** What happens while the backend cannot answer (see [Cache.lock]). */
    public val whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED,
) : StrategyPolicy(key, prefix) {
    /** [ttl] for Java, where the property's getter has a mangled name. */
    @JvmName("getTtl")
    public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

    /** [waitTimeout] for Java, where the property's getter has a mangled name. */
    @JvmName("getWaitTimeout")
    public fun waitTimeoutJavaDuration(): java.time.Duration? = waitTimeout?.toJavaDuration()

    override val strategy: String get() = StrategyKeys.LOCKED

    override fun parameters(): Map<String, Any?> =
        linkedMapOf(
            "ttl" to ttl,
            "key" to key,
            "prefix" to prefix,
            "wait" to wait,
            "waitTimeout" to waitTimeout,
            "whenUnavailable" to whenUnavailable,
        )
}

/** Checks a strategy's [ttl] and its freshness period [fresh] (named [name] in errors): both positive, fresh ≤ ttl. */
private fun requireFreshWithin(ttl: Duration, fresh: Duration, name: String) {
    Ttl.requirePositive(ttl)
    Ttl.requirePositive(fresh)
    require(fresh <= ttl) { "$name ($fresh) must not exceed ttl ($ttl)" }
}

/** The key a strategy stores under: [key] behind [prefix] and a colon, or [key] itself without a prefix. */
internal fun strategyKey(prefix: String, key: String): String = if (prefix.isEmpty()) key else "$prefix:$key"

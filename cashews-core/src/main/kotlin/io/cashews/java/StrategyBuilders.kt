@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.EarlyPolicy
import io.cashews.Expiry
import io.cashews.FailoverPolicy
import io.cashews.HitPolicy
import io.cashews.InternalCacheApi
import io.cashews.LoadedItem
import io.cashews.LockedPolicy
import io.cashews.OutagePolicy
import io.cashews.SoftPolicy
import io.cashews.StrategyKeys
import io.cashews.Ttl
import io.cashews.TtlRule
import kotlinx.coroutines.CoroutineScope
import java.time.ZoneId
import java.time.ZoneOffset
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/** The `cached` strategy from Java ([CachedPolicy]): `jc.cached(User.class).ttl("3h").key("user:{id}")`. */
public class CachedBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, CachedBuilder<T>>(cache, scope, type) {
    // A TTL rule other than a fixed TTL, set by the forms of ttl(…) and expiry(…) that take one.
    private var rule: TtlRule? = null
    private var lock: Boolean = false
    private var serveStale: Boolean = false

    override fun ttl(ttl: String): CachedBuilder<T> = super.ttl(ttl).also { rule = null }

    override fun ttl(ttl: java.time.Duration): CachedBuilder<T> = super.ttl(ttl).also { rule = null }

    /** The TTL computed from each loaded value, such as a token's own lifetime. */
    public fun ttl(ttl: java.util.function.Function<T, java.time.Duration>): CachedBuilder<T> =
        rule(
            @Suppress("UNCHECKED_CAST")
            TtlRule.FromValue { value -> ttl.apply(value as T).toKotlinDuration() },
        )

    /** Stored values expire as [expiry] says (a point in time, a time of day, never) instead of after a TTL. */
    public fun expiry(expiry: Expiry): CachedBuilder<T> = rule(TtlRule.Expires(expiry))

    /**
     * [expiry] in [Expiry.parse]'s text forms (`"15:30 Europe/Paris"`, `"2030-04-23T09:15Z"`, `"10 minutes"`), with
     * date-times and times without an offset read in [zone].
     */
    @JvmOverloads
    public fun expiry(
        expiry: String,
        zone: ZoneId = ZoneOffset.UTC,
    ): CachedBuilder<T> = expiry(Expiry.parse(expiry, zone))

    /**
     * The expiration of each load, computed from what it produced and when (aquiche's expiration function);
     * [Expiry.Expired] stores nothing.
     */
    public fun expiry(expiry: java.util.function.Function<LoadedItem<T>, Expiry>): CachedBuilder<T> =
        rule(
            @Suppress("UNCHECKED_CAST")
            TtlRule.FromLoad { item -> expiry.apply(item as LoadedItem<T>) },
        )

    private fun rule(rule: TtlRule): CachedBuilder<T> =
        apply {
            ttl = null
            this.rule = rule
        }

    /**
     * Concurrent calls for a cold key share one load (on by default). Named after the Kotlin parameter `protected`,
     * a reserved word in Java.
     */
    public fun protect(protect: Boolean): CachedBuilder<T> = apply { protected = protect }

    /** Loads under a lock shared by every process using the backend, so one of them loads a cold key. */
    public fun lock(lock: Boolean): CachedBuilder<T> = apply { this.lock = lock }

    /** Serves a value marked stale ([io.cashews.Cache.markStale]) while one background refresh reloads it. */
    public fun serveStale(serveStale: Boolean): CachedBuilder<T> = apply { this.serveStale = serveStale }

    override fun policy(): CachedPolicy {
        val rule = rule ?: TtlRule.Fixed(requireTtl())
        return CachedPolicy(
            rule,
            template(),
            prefix ?: "",
            condition,
            timeCondition,
            protected,
            lock,
            jitter,
            upper,
            retry,
            tags,
            serveStale,
            resultTags,
            doorKeeper,
        )
    }
}

/** The `early` strategy from Java ([EarlyPolicy]): refreshes in the background after [earlyTtl]. */
public class EarlyBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, EarlyBuilder<T>>(cache, scope, type) {
    private var earlyTtl: Duration? = null

    /** Concurrent calls that need a load of the same key share one (on by default); see [CachedBuilder.protect]. */
    public fun protect(protect: Boolean): EarlyBuilder<T> = apply { protected = protect }

    /** When a value is refreshed in the background while still served; a third of the TTL by default. */
    public fun earlyTtl(earlyTtl: java.time.Duration): EarlyBuilder<T> =
        apply { this.earlyTtl = earlyTtl.toKotlinDuration() }

    /** [earlyTtl] in the [Ttl] grammar. */
    public fun earlyTtl(earlyTtl: String): EarlyBuilder<T> = apply { this.earlyTtl = Ttl.parse(earlyTtl) }

    override fun policy(): EarlyPolicy =
        EarlyPolicy(
            requireTtl(),
            template(),
            earlyTtl,
            condition,
            prefix ?: StrategyKeys.EARLY_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
            protected,
            resultTags = resultTags,
            doorKeeper = doorKeeper,
        )
}

/**
 * The settings of the strategies that serve a stored value when a load fails (`soft`, `failover`): which failures
 * do, under the name of the Kotlin parameter.
 */
public abstract class FallbackBuilder<T, B : FallbackBuilder<T, B>> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, B>(cache, scope, type) {
    internal var exceptions: Set<KClass<out Throwable>>? = null

    /**
     * The failures that serve the stored value (by default the cache's
     * [io.cashews.Cache.defaultFailExceptions], [Exception] unless set); others propagate.
     */
    @SafeVarargs
    public fun exceptions(vararg exceptions: Class<out Throwable>): B {
        require(exceptions.isNotEmpty()) { "exceptions: name at least one exception class" }
        this.exceptions = exceptions.mapTo(LinkedHashSet()) { it.kotlin }
        return self()
    }
}

/** The `soft` strategy from Java ([SoftPolicy]): recomputes after [softTtl], serving stale values on failure. */
public class SoftBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : FallbackBuilder<T, SoftBuilder<T>>(cache, scope, type) {
    private var softTtl: Duration? = null

    /** Concurrent calls that need a load of the same key share one (on by default); see [CachedBuilder.protect]. */
    public fun protect(protect: Boolean): SoftBuilder<T> = apply { protected = protect }

    /** When a value is recomputed; until the TTL, a failed recompute serves it. A third of the TTL by default. */
    public fun softTtl(
        softTtl: java.time.Duration,
    ): SoftBuilder<T> = apply { this.softTtl = softTtl.toKotlinDuration() }

    /** [softTtl] in the [Ttl] grammar. */
    public fun softTtl(softTtl: String): SoftBuilder<T> = apply { this.softTtl = Ttl.parse(softTtl) }

    override fun policy(): SoftPolicy =
        SoftPolicy(
            requireTtl(),
            template(),
            softTtl,
            exceptions,
            condition,
            prefix ?: StrategyKeys.SOFT_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
            protected,
            resultTags = resultTags,
            doorKeeper = doorKeeper,
        )
}

/** The `failover` strategy from Java ([FailoverPolicy]): loads every time, falls back to the last good value. */
public class FailoverBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : FallbackBuilder<T, FailoverBuilder<T>>(cache, scope, type) {
    override fun policy(): FailoverPolicy =
        FailoverPolicy(
            requireTtl(),
            template(),
            exceptions,
            condition,
            prefix ?: StrategyKeys.FAILOVER_PREFIX,
            tags,
            retry,
            timeCondition,
            jitter,
            upper,
            resultTags = resultTags,
            doorKeeper = doorKeeper,
        )
}

/**
 * The `hit` strategy from Java ([HitPolicy]): serves a value [cacheHits] times, refreshing it in the background at
 * hit [updateAfter]. `jc.dynamic(type)` starts one with `dynamic`'s settings (TTL 1 day, 3 hits, refresh after 1).
 */
public class HitBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, HitBuilder<T>>(cache, scope, type) {
    private var cacheHits: Int? = null
    private var updateAfter: Int = 0

    /** Concurrent calls that need a load of the same key share one (on by default); see [CachedBuilder.protect]. */
    public fun protect(protect: Boolean): HitBuilder<T> = apply { protected = protect }

    /** How many times a value is served before it is loaded again. */
    public fun cacheHits(cacheHits: Int): HitBuilder<T> = apply { this.cacheHits = cacheHits }

    /** The hit at which a background refresh starts (0: none). */
    public fun updateAfter(updateAfter: Int): HitBuilder<T> = apply { this.updateAfter = updateAfter }

    internal fun dynamicDefaults(): HitBuilder<T> =
        apply {
            val defaults = HitPolicy.dynamic()
            ttl = (defaults.ttl as TtlRule.Fixed).ttl
            cacheHits = defaults.cacheHits
            updateAfter = defaults.updateAfter
            prefix = defaults.prefix
        }

    override fun policy(): HitPolicy =
        HitPolicy(
            requireTtl(),
            cacheHits ?: throw IllegalStateException("no cacheHits set for the HitBuilder: call cacheHits(...) first"),
            template(),
            updateAfter,
            condition,
            prefix ?: StrategyKeys.HIT_PREFIX,
            retry,
            tags,
            timeCondition,
            jitter,
            upper,
            protected,
            resultTags = resultTags,
            doorKeeper = doorKeeper,
        )
}

/** The `locked` strategy from Java ([LockedPolicy]): one caller at a time per key, across processes. */
public class LockedBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : StrategyBuilder<T, LockedBuilder<T>>(cache, scope, type) {
    private var ttl: Duration? = null
    private var wait: Boolean = true
    private var waitTimeout: Duration? = null
    private var whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED

    /** How long the lock is held at most. */
    public fun ttl(ttl: java.time.Duration): LockedBuilder<T> = apply { this.ttl = ttl.toKotlinDuration() }

    /** [ttl] in the [Ttl] grammar. */
    public fun ttl(ttl: String): LockedBuilder<T> = apply { this.ttl = Ttl.parse(ttl) }

    /** Whether a caller waits for the lock (the default) or fails at once with [io.cashews.LockedError]. */
    public fun wait(wait: Boolean): LockedBuilder<T> = apply { this.wait = wait }

    /** How long a caller waits at most before it fails with [io.cashews.LockedError]; no limit by default. */
    public fun waitTimeout(waitTimeout: java.time.Duration): LockedBuilder<T> =
        apply { this.waitTimeout = waitTimeout.toKotlinDuration() }

    /** What happens when the backend holding the lock is unreachable: fail (the default) or run unlocked. */
    public fun whenUnavailable(whenUnavailable: OutagePolicy): LockedBuilder<T> =
        apply { this.whenUnavailable = whenUnavailable }

    override fun policy(): LockedPolicy =
        LockedPolicy(
            ttl ?: throw IllegalStateException("no TTL set for the LockedBuilder: call ttl(...) first"),
            template(),
            wait,
            waitTimeout,
            prefix ?: StrategyKeys.LOCKED_PREFIX,
            whenUnavailable,
        )
}

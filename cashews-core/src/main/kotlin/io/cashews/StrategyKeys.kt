package io.cashews

/**
 * The key layout of the strategies, defined once: the default prefixes and the keys a strategy keeps beside a value
 * (early's and soft's freshness marker, early's refresh lease, hit's counter, `cached(lock = true)`'s lock). Shared
 * with the Ktor plugin and the other faces, so a value cached by one is found by the others.
 */
@InternalCacheApi
public object StrategyKeys {
    /** The name of [Cache.cached] in stats and events. */
    public const val CACHED: String = "cached"

    /** The name of [Cache.early] in stats and events, and its default prefix. */
    public const val EARLY: String = "early"

    /** The name of [Cache.soft] in stats and events, and its default prefix. */
    public const val SOFT: String = "soft"

    /** The name of [Cache.failover] in stats and events. */
    public const val FAILOVER: String = "failover"

    /** The name of [Cache.hit] and [Cache.dynamic] in stats and events. */
    public const val HIT: String = "hit"

    /** The name of [Cache.locked] in stats and events. */
    public const val LOCKED: String = "locked"

    /** [Cache.early]'s default prefix. */
    public const val EARLY_PREFIX: String = "early"

    /** [Cache.soft]'s default prefix. */
    public const val SOFT_PREFIX: String = "soft"

    /** [Cache.failover]'s default prefix (cashews' `fail`). */
    public const val FAILOVER_PREFIX: String = "fail"

    /** [Cache.hit]'s default prefix. */
    public const val HIT_PREFIX: String = "hit"

    /** [Cache.dynamic]'s default prefix. */
    public const val DYNAMIC_PREFIX: String = "dynamic"

    /** [Cache.locked]'s default prefix. */
    public const val LOCKED_PREFIX: String = "locked"

    /** Where a value stored at [key] is marked fresh (early, soft): present while it is. */
    public fun fresh(key: String): String = "$key:fresh"

    /** The lease a background refresh of [key] holds, so one runs at a time across processes. */
    public fun refresh(key: String): String = "$key:refresh"

    /** Where the hits of the value at [key] are counted (hit, dynamic). */
    public fun counter(key: String): String = "$key:counter"

    /** The lock a cluster-wide load of [key] holds (`cached(lock = true)`). */
    public fun lock(key: String): String = "$LOCK_PREFIX$key"

    /** Where [Cache.markStale] keeps the value it took from [key], served by `serveStale` policies while it reloads. */
    public fun stale(key: String): String = "$key:stale"

    /**
     * The keys that describe the value at [key] (its freshness marker, its hit count, its stale copy): deleted with
     * the value.
     */
    public fun besides(key: String): List<String> = listOf(fresh(key), counter(key), stale(key))

    /** Whether [key] is one a strategy keeps beside a value (a marker, a count, a lease or a lock), not a value. */
    public fun isBeside(key: String): Boolean =
        key.startsWith(LOCK_PREFIX) || BESIDE_SUFFIXES.any { key.endsWith(it) }

    private const val LOCK_PREFIX = "lock:"
    private val BESIDE_SUFFIXES = listOf(":fresh", ":refresh", ":counter", ":stale")
}

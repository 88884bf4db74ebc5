package io.cashews.spring

import kotlin.reflect.KClass

/**
 * Caches the method's result with cashews' `cached` strategy (see `JavaCache.cached`): a hit answers without
 * calling the method, concurrent callers of a cold key share one call, and with [lock] one caller across every
 * process sharing the backend loads.
 *
 * ```java
 * @Cached(ttl = "3h", key = "user:{id}", tags = "users", lock = true)
 * public User find(long id) { … }
 * ```
 *
 * Every setting of the Java builder of the same strategy is an attribute of the same name. String attributes take
 * property placeholders (`"${app.users.ttl:3h}"`); `key` and `tags` are cashews key templates over the method's
 * parameter names (`"user:{id}"`, `"{user.id}"`), in which `#{…}` embeds a SpEL expression (`"user:#{#user.id}"`).
 * The method may return a value, a `CompletableFuture`, a `Mono` or `Flux`, or be a Kotlin `suspend` function.
 */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Cached(
    /** How long a result is kept, in the TTL grammar (`"3h"`, `"10m"`); required unless [ttlFrom] or [expiry] is given. */
    val ttl: String = "",
    /**
     * When a result expires instead of after [ttl], in `Expiry.parse`'s forms: a time of day (`"06:00 Europe/Paris"`),
     * a date-time (`"2030-04-23T09:15Z"`), a date, or a TTL.
     */
    val expiry: String = "",
    /** The key template; empty for `<class>.<method>` and every parameter as `:<name>:{<name>}`. */
    val key: String = "",
    /** The prefix of the stored keys (`prefix:key`); empty for the strategy's default. */
    val prefix: String = "",
    /** Tags of every stored result, as key templates (`"user:{id}"`). */
    val tags: Array<String> = [],
    /** A SpEL expression over the result (`#result`) giving more tags, a string or a collection of them. */
    val resultTags: String = "",
    /**
     * Above 0, a `DoorKeeper` of this capacity for the method: a key's result is stored only from its second load
     * on, so keys asked for once take no space.
     */
    val doorKeeper: Long = 0,
    /** Loads under a lock shared by every process on the backend, so one of them loads a cold key. */
    val lock: Boolean = false,
    /** Concurrent calls for a cold key in this process share one load. */
    val protect: Boolean = true,
    /** A result `@Invalidate(stale = true)` marked stale is returned at once while one refresh reloads it. */
    val serveStale: Boolean = false,
    /** A SpEL expression over the result (`#result`) giving its TTL (a `Duration`, a TTL string or seconds). */
    val ttlFrom: String = "",
    /** A SpEL expression over the arguments: when it is false, the method is called and nothing is cached. */
    val condition: String = "",
    /** A SpEL expression over the result (`#result`) and the key (`#key`): when it is true, the result is not stored. */
    val unless: String = "",
    /** Exceptions stored as outcomes, thrown again to later callers while they are kept. */
    val cacheExceptions: Array<KClass<out Throwable>> = [],
    /** How long a stored exception is kept; empty for [ttl]. */
    val exceptionTtl: String = "",
    /** Stores only results that took longer than this to compute; empty to store them all. */
    val timeCondition: String = "",
    /** Each TTL is shortened by a random fraction up to this (at least 0, below 1). */
    val jitter: Double = 0.0,
    /** Caches at an outer layer only: a load that served a value from a cache inside is not stored. */
    val upper: Boolean = false,
    /** Retries a failed load with backoff; no retry unless its attempts are above 1. */
    val retry: CacheRetry = CacheRetry(),
    /**
     * Also keeps results in this process, `size:ttl` like `"10000:30s"`, in front of a remote backend: the setup URL's
     * `local`, for this method's keys only (see `FunctionBinding.local`). Empty for none.
     */
    val local: String = "",
)

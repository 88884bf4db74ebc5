package io.cashews

import io.cashews.internal.load.execute
import io.cashews.internal.load.loadCached
import io.cashews.internal.value.Marker
import io.cashews.internal.value.Miss
import io.cashews.internal.value.NotNow
import io.cashews.internal.value.StoredFailure
import io.cashews.java.BlockingCache
import io.cashews.java.CachedBuilder
import io.cashews.java.CircuitBreakerBuilder
import io.cashews.java.EarlyBuilder
import io.cashews.java.FailoverBuilder
import io.cashews.java.FutureInterceptor
import io.cashews.java.FutureInterceptorAdapter
import io.cashews.java.HitBuilder
import io.cashews.java.JavaCommandCallback
import io.cashews.java.JavaCommandCallbackAdapter
import io.cashews.java.JavaContext
import io.cashews.java.JavaTransaction
import io.cashews.java.LockedBuilder
import io.cashews.java.RateLimitBuilder
import io.cashews.java.SliceRateLimitBuilder
import io.cashews.java.SoftBuilder
import io.cashews.java.TokenBucketBuilder
import io.cashews.java.awaitReturned
import io.cashews.java.javaFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.future.await
import kotlinx.coroutines.reactive.asFlow
import kotlinx.coroutines.reactive.asPublisher
import org.reactivestreams.FlowAdapters
import org.reactivestreams.Publisher
import java.util.concurrent.CompletableFuture
import java.util.function.Function
import java.util.function.Supplier
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/**
 * The Java face of a [Cache]: every command returns a [CompletableFuture] and takes [java.time.Duration] TTLs.
 *
 * ```java
 * JavaCache jc = JavaCache.of(cache);
 * jc.set("user:1", user, Duration.ofHours(3)).join();
 * User u = jc.get("user:1", User.class).join();
 * ```
 *
 * Commands start on the calling thread: an in-memory hit returns an already completed future with no thread hop,
 * and a command that must wait (a network backend) resumes on [Dispatchers.Default]. Errors complete the future
 * exceptionally with the same exception the Kotlin API throws.
 *
 * - [blocking] is the same cache with plain results, for virtual threads and plain threads.
 * - The strategies ([cached], [early], …) and guards ([rateLimit], [circuitBreaker], …) are builders with every
 *   setting of their Kotlin counterparts.
 * - The scoped calls ([transaction], [invalidate], [invalidateFurther], [detect], [disabling], [callback]) take a
 *   block returning a future; their effect reaches every command the block starts on the thread running it, and
 *   in the callbacks of futures cashews completes, as a coroutine context does in Kotlin.
 */
public open class JavaCache internal constructor(
    /** The cache behind this facade. */
    public val cache: Cache,
    internal val scope: CoroutineScope,
    /** The context of the scoped block this view belongs to ([JavaTransaction]), or `null`: the caller's. */
    private val bound: CoroutineContext?,
) {
    /** The value at [key] as a [type], or `null` when missing, expired, undecodable or of another type. */
    public fun <T : Any> get(key: String, type: Class<T>): CompletableFuture<T?> {
        // Kept tiny so the JIT inlines it into the caller and can drop the completed future after join().
        val now = getNow(key, type)
        @Suppress("UNCHECKED_CAST")
        if (now !== NotNow) return CompletableFuture.completedFuture(now as T?)
        return call { typed(cache.lookup(key) { ValueType.of(type) }, type) }
    }

    /** [get]'s answer when it needs no waiting (an in-memory read): the value as a [type] or `null`; else [NotNow]. */
    internal fun <T : Any> getNow(key: String, type: Class<T>): Any? {
        val now = cache.values.lookupNowOrNotNow(key)
        return if (now === NotNow) NotNow else typed(now, type)
    }

    /** [getNow] of a key a face keeps: see [RememberedKey]. */
    @OptIn(InternalCacheApi::class)
    internal fun <T : Any> getNow(key: RememberedKey, type: Class<T>): Any? {
        val now = cache.values.lookupNowOrNotNow(key)
        return if (now === NotNow) NotNow else typed(now, type)
    }

    /** The values at [keys] in order, `null` for each miss. */
    public fun <T : Any> getMany(keys: List<String>, type: Class<T>): CompletableFuture<List<T?>> =
        call { cache.lookupMany(keys) { ValueType.of(type) }.map { typed(it, type) } }

    /** Stores [value] at [key] with no expiry. */
    public fun set(key: String, value: Any?): CompletableFuture<Boolean> = set(key, value, null, SetCondition.ALWAYS)

    /** Stores [value] at [key] for [ttl] (`null`: no expiry). */
    public fun set(key: String, value: Any?, ttl: java.time.Duration?): CompletableFuture<Boolean> =
        set(key, value, ttl, SetCondition.ALWAYS)

    /**
     * Stores [value] at [key] for [ttl] if [condition] holds, labelled with [tags] for [deleteTags]; completes with
     * whether the write happened.
     */
    @JvmOverloads
    public fun set(
        key: String,
        value: Any?,
        ttl: java.time.Duration?,
        condition: SetCondition,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<Boolean> {
        // An in-memory write completes here: no coroutine, no future beyond the completed one.
        val now =
            try {
                cache.values.storeNow(key, value, ttl.toTtl(), condition, tags)
            } catch (e: CacheError) {
                return CompletableFuture.failedFuture(e)
            }
        if (now is Boolean) return CompletableFuture.completedFuture(now)
        return call { cache.store(key, value, ttl.toTtl(), condition, tags) { typeOf(value) } }
    }

    /**
     * [set] with the value's declared [type] for the codec, rather than its class: `ValueType.of(Object.class)` for
     * values read back without a type (as Spring's caches do), a generic type for a collection.
     */
    public fun set(
        key: String,
        value: Any?,
        type: ValueType,
        ttl: java.time.Duration?,
        condition: SetCondition,
        tags: Collection<String>,
    ): CompletableFuture<Boolean> {
        val now =
            try {
                cache.values.storeNow(key, value, ttl.toTtl(), condition, tags)
            } catch (e: CacheError) {
                return CompletableFuture.failedFuture(e)
            }
        if (now is Boolean) return CompletableFuture.completedFuture(now)
        return call { cache.store(key, value, ttl.toTtl(), condition, tags) { type } }
    }

    /** Stores every entry with the same [ttl] (`null`: no expiry). */
    public fun setMany(entries: Map<String, Any?>, ttl: java.time.Duration?): CompletableFuture<Void?> =
        call {
            for ((type, group) in entries.entries.groupBy { typeOf(it.value) }) {
                cache.storeMany(group.associate { it.key to it.value }, ttl.toTtl()) { type }
            }
            null
        }

    /**
     * The value at [key] as a [type]; when missing, calls [compute], stores its result for [ttl] (`null`: no expiry)
     * and completes with it. Not atomic: concurrent callers may each compute.
     */
    public fun <T : Any> getOrSet(
        key: String,
        type: Class<T>,
        ttl: java.time.Duration?,
        compute: Supplier<CompletableFuture<T?>>,
    ): CompletableFuture<T?> = call { getOrSetSuspending(key, type, ttl) { compute.get().awaitReturned("compute") } }

    /** [getOrSet]'s work, shared with the blocking face, whose [compute] runs on the calling thread. */
    internal suspend fun <T : Any> getOrSetSuspending(
        key: String,
        type: Class<T>,
        ttl: java.time.Duration?,
        compute: suspend () -> T?,
    ): T? {
        val found = cache.lookup(key) { ValueType.of(type) }
        if (found !== Miss && (found == null || type.isInstance(found))) return type.cast(found)
        val value = compute()
        cache.store(key, value, ttl.toTtl(), SetCondition.ALWAYS) { ValueType.of(type) }
        return value
    }

    /** Every live key matching [pattern] whose value is a readable [type], with that value, in scan order. */
    public fun <T : Any> getMatch(pattern: String, type: Class<T>): CompletableFuture<Map<String, T>> =
        call {
            val found = LinkedHashMap<String, T>()
            cache.matching(pattern) { ValueType.of(type) }.collect { (key, value) ->
                typed(value, type)?.let { found[key] = it }
            }
            found
        }

    /**
     * The `cached` strategy: the value at [key], or [loader]'s result, stored for [ttl]. Concurrent calls for a cold
     * key share one load; an in-memory hit completes before this returns, with no thread hop.
     */
    @JvmOverloads
    public fun <T : Any> cached(
        key: String,
        ttl: java.time.Duration,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        condition: CacheCondition = CacheCondition.Always,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<T?> {
        val now = if (cache.observing) NotNow else cache.values.lookupNowOrNotNow(key)
        if (now !is Marker && (now == null || type.isInstance(now))) {
            return CompletableFuture.completedFuture(typed(now, type))
        }
        val policy = CachedPolicy(TtlRule.Fixed(ttl.toKotlinDuration()), condition = condition, tags = tags.toList())
        return call { cache.loadCached(policy, key, { ValueType.of(type) }, now) { loader.get().await() } }
    }

    /**
     * Batch loading (Caffeine's `getAll` with a bulk loader, see the Kotlin `cachedMany`): the values of [ids], the
     * cached ones from one read and the others from one call of [loadAll], which gets the ids that missed and completes
     * with what it found. Each id is stored at the key [keyOf] gives it, for [ttl]. Ids [loadAll] leaves out are
     * absent from the answer and not stored; per-key single-flight is shared with every other batch and `cached` call.
     */
    @JvmOverloads
    public fun <K, T : Any> cachedMany(
        ids: Collection<K>,
        ttl: java.time.Duration,
        type: Class<T>,
        keyOf: Function<K, String>,
        loadAll: Function<List<K>, CompletableFuture<Map<K, T?>>>,
        condition: CacheCondition = CacheCondition.Always,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<Map<K, T?>> {
        val policy = CachedPolicy(TtlRule.Fixed(ttl.toKotlinDuration()), condition = condition, tags = tags.toList())
        return call {
            cache.cachedManyUnder(policy, ids, keyOf::apply, { ValueType.of(type) }) { missing ->
                loadAll.apply(missing).await()
            }
        }
    }

    /**
     * A warm-up at start (see the Kotlin `warmUp`): [ids] in batches of [batchSize], at most [concurrency] batches at
     * once, the cached ones read and the others loaded by [loadAll]; completes with what it did.
     */
    @JvmOverloads
    public fun <K, T : Any> warmUp(
        name: String,
        ids: Collection<K>,
        ttl: java.time.Duration,
        type: Class<T>,
        keyOf: Function<K, String>,
        loadAll: Function<List<K>, CompletableFuture<Map<K, T?>>>,
        concurrency: Int = WarmUps.DEFAULT_CONCURRENCY,
        batchSize: Int = WarmUps.DEFAULT_BATCH,
    ): CompletableFuture<WarmUpReport> {
        val policy = CachedPolicy(TtlRule.Fixed(ttl.toKotlinDuration()))
        return call {
            WarmUps.run(cache, name, ids, concurrency, batchSize) { batch ->
                cache.cachedManyUnder(policy, batch, keyOf::apply, { ValueType.of(type) }) { missing ->
                    loadAll.apply(missing).await()
                }
            }
        }
    }

    /** The `early` strategy: refreshes in the background after [earlyTtl], serving the stale value meanwhile. */
    @JvmOverloads
    public fun <T : Any> early(
        key: String,
        ttl: java.time.Duration,
        earlyTtl: java.time.Duration,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<T?> =
        run(key, type, loader) {
            EarlyPolicy(ttl.toKotlinDuration(), earlyTtl = earlyTtl.toKotlinDuration(), tags = tags.toList())
        }

    /** The `soft` strategy: recomputes after [softTtl] and serves the stale value when that fails, until [ttl]. */
    @JvmOverloads
    public fun <T : Any> soft(
        key: String,
        ttl: java.time.Duration,
        softTtl: java.time.Duration,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<T?> =
        run(key, type, loader) {
            SoftPolicy(ttl.toKotlinDuration(), softTtl = softTtl.toKotlinDuration(), tags = tags.toList())
        }

    /** The `failover` strategy: calls [loader] every time and falls back to its last good result when it fails. */
    @JvmOverloads
    public fun <T : Any> failover(
        key: String,
        ttl: java.time.Duration,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<T?> = run(key, type, loader) { FailoverPolicy(ttl.toKotlinDuration(), tags = tags.toList()) }

    /** The `hit` strategy: serves a value [cacheHits] times, refreshing it in the background at hit [updateAfter]. */
    @JvmOverloads
    public fun <T : Any> hit(
        key: String,
        ttl: java.time.Duration,
        cacheHits: Int,
        updateAfter: Int,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<T?> =
        run(key, type, loader) {
            HitPolicy(ttl.toKotlinDuration(), cacheHits, updateAfter = updateAfter, tags = tags.toList())
        }

    /** Runs the strategy [policy] builds for [key], loading with [loader]; a bad setting fails the future. */
    private fun <T : Any> run(
        key: String,
        type: Class<T>,
        loader: Supplier<CompletableFuture<T?>>,
        policy: () -> CachingPolicy,
    ): CompletableFuture<T?> =
        call {
            val built = policy()
            cache.execute(built, built.storageKey(key), { ValueType.of(type) }) { loader.get().await() }
        }

    /** The `locked` strategy: runs [action] under a lock shared by every process using the backend. */
    public fun <R> locked(
        key: String,
        ttl: java.time.Duration,
        action: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call { cache.locked(ttl.toKotlinDuration(), key) { action.get().await() } }

    /**
     * The fixed-window rate limit ([Cache.rateLimit]): runs [action] when fewer than [limit] calls were made under
     * [key] in the current [period], else completes exceptionally with [RateLimitError]. The first refused call
     * starts a [ban] (`null`: none). The builder `rateLimit(limit, period)` has every setting, a refusal action
     * included.
     */
    @JvmOverloads
    public fun <R> rateLimit(
        key: String,
        limit: Long,
        period: java.time.Duration,
        action: Supplier<CompletableFuture<R>>,
        ban: java.time.Duration? = period,
    ): CompletableFuture<R> =
        call { cache.rateLimit(limit, period.toKotlinDuration(), key, ban.toTtl()) { action.get().await() } }

    /**
     * The sliding-window rate limit ([Cache.sliceRateLimit]): at most [limit] calls under [key] in any [period]. The
     * builder `sliceRateLimit(limit, period)` has every setting.
     */
    public fun <R> sliceRateLimit(
        key: String,
        limit: Long,
        period: java.time.Duration,
        action: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call {
            cache.sliceRateLimit(
                limit,
                period.toKotlinDuration(),
                key,
            ) { action.get().await() }
        }

    /**
     * The circuit breaker ([Cache.circuitBreaker]): opens for [ttl] once [errorsRate] percent of at least [minCalls]
     * calls in a [period] failed, then lets one trial call through. Refused calls complete exceptionally with
     * [CircuitBreakerOpen]. The builder `circuitBreaker(errorsRate, period, ttl)` has every setting (half-open ones,
     * counted exceptions).
     */
    public fun <R> circuitBreaker(
        key: String,
        errorsRate: Double,
        period: java.time.Duration,
        ttl: java.time.Duration,
        minCalls: Long,
        action: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call {
            cache.circuitBreaker(
                errorsRate,
                period.toKotlinDuration(),
                ttl.toKotlinDuration(),
                key,
                minCalls = minCalls,
            ) { action.get().await() }
        }

    /**
     * A builder of the `cached` strategy for values of [type]: every setting of [CachedPolicy], then a handle
     * (`build`) or a one-off call (`get`):
     * ```java
     * CachedFunction<Long, User> userById =
     *     jc.cached(User.class).ttl("3h").key("user:{id}").tags("users").build(id -> repo.loadAsync(id));
     * User ann = userById.apply(42L).join();
     * ```
     */
    public fun <T> cached(type: Class<T>): CachedBuilder<T> = CachedBuilder(cache, scope, type)

    /** A builder of the `early` strategy ([EarlyPolicy]) for values of [type]. */
    public fun <T> early(type: Class<T>): EarlyBuilder<T> = EarlyBuilder(cache, scope, type)

    /** A builder of the `soft` strategy ([SoftPolicy]) for values of [type]. */
    public fun <T> soft(type: Class<T>): SoftBuilder<T> = SoftBuilder(cache, scope, type)

    /** A builder of the `failover` strategy ([FailoverPolicy]) for values of [type]. */
    public fun <T> failover(type: Class<T>): FailoverBuilder<T> = FailoverBuilder(cache, scope, type)

    /** A builder of the `hit` strategy ([HitPolicy]) for values of [type]. */
    public fun <T> hit(type: Class<T>): HitBuilder<T> = HitBuilder(cache, scope, type)

    /** A builder of the `dynamic` strategy ([HitPolicy.dynamic]: a day, three hits, a refresh after the first). */
    public fun <T> dynamic(type: Class<T>): HitBuilder<T> = HitBuilder(cache, scope, type).dynamicDefaults()

    /** A builder of the `locked` strategy ([LockedPolicy]), whose calls return [type]. */
    public fun <T> locked(type: Class<T>): LockedBuilder<T> = LockedBuilder(cache, scope, type)

    /**
     * A fixed-window rate limit of [limit] calls per [period] ([Cache.rateLimit]), to configure (ban, prefix, outage
     * policy) and then `call` with a key.
     */
    public fun rateLimit(limit: Long, period: java.time.Duration): RateLimitBuilder =
        RateLimitBuilder(this, requirePositiveLimit(limit), Ttl.requirePositive(period.toKotlinDuration()))

    /**
     * A token bucket of [rate] calls per [period] ([Cache.tokenBucket]), to configure (burst, cost, prefix, outage
     * policy) and call with a key.
     */
    public fun tokenBucket(rate: Long, period: java.time.Duration): TokenBucketBuilder =
        TokenBucketBuilder(this, requirePositiveLimit(rate), Ttl.requirePositive(period.toKotlinDuration()))

    /** A sliding-window rate limit of [limit] calls in any [period] ([Cache.sliceRateLimit]). */
    public fun sliceRateLimit(limit: Long, period: java.time.Duration): SliceRateLimitBuilder =
        SliceRateLimitBuilder(this, requirePositiveLimit(limit), Ttl.requirePositive(period.toKotlinDuration()))

    /**
     * A circuit breaker ([Cache.circuitBreaker]) that opens for [ttl] once [errorsRate] percent of the calls in a
     * [period] failed, to configure (half-open settings, exceptions, minimum calls) and then `call` with a key.
     */
    public fun circuitBreaker(
        errorsRate: Double,
        period: java.time.Duration,
        ttl: java.time.Duration,
    ): CircuitBreakerBuilder {
        requireErrorsRate(errorsRate)
        return CircuitBreakerBuilder(
            this,
            errorsRate,
            Ttl.requirePositive(period.toKotlinDuration()),
            Ttl.requirePositive(ttl.toKotlinDuration()),
        )
    }

    /** The blocking face of this cache, for code on virtual threads or plain threads: see [BlockingCache]. */
    public fun blocking(): BlockingCache = blockingFace

    private val blockingFace by lazy(LazyThreadSafetyMode.PUBLICATION) { BlockingCache(this) }

    /** Adds an interceptor written in Java to every command of the cache (see [Cache.addInterceptor]). */
    public fun addInterceptor(interceptor: FutureInterceptor) {
        cache.addInterceptor(FutureInterceptorAdapter(interceptor))
    }

    /** Removes [interceptor]; returns whether it was there. */
    public fun removeInterceptor(interceptor: FutureInterceptor): Boolean {
        val adapter =
            cache.controls.interceptors.firstOrNull {
                it is FutureInterceptorAdapter &&
                    it.interceptor === interceptor
            }
        return adapter != null && cache.removeInterceptor(adapter)
    }

    /**
     * Runs [block] in a transaction ([Cache.transaction]): the commands of the [JavaTransaction] it receives, and
     * every command started from the thread running it (handles included), are buffered and applied when the future
     * [block] returns completes normally; they are discarded when it fails. The returned future completes with its
     * result after the commit.
     *
     * ```java
     * jc.transaction(TransactionMode.LOCKED, tx ->
     *     tx.incr("balance:" + from, -amount, null).thenCompose(left -> {
     *         if (left < 0) throw new InsufficientFunds();   // nothing is applied
     *         return tx.incr("balance:" + to, amount, null);
     *     }));
     * ```
     *
     * Commands the block starts from threads of its own executors belong to the transaction only when made through
     * the [JavaTransaction]. [timeout] bounds the wait for each lock, [lockTtl] how long a lock outlives a crash.
     */
    @JvmOverloads
    public fun <R> transaction(
        mode: TransactionMode = TransactionMode.LOCKED,
        timeout: java.time.Duration = java.time.Duration.ofSeconds(10),
        lockTtl: java.time.Duration = java.time.Duration.ofMinutes(1),
        block: Function<JavaTransaction, CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call {
            cache.transaction(mode, timeout.toKotlinDuration(), lockTtl.toKotlinDuration()) { transaction ->
                block.apply(transactionView(transaction)).awaitReturned("the transaction block")
            }
        }

    /** The Java face of [transaction], bound to the transaction block running now. */
    internal suspend fun transactionView(transaction: Transaction): JavaTransaction =
        JavaTransaction(cache, scope, JavaContext.detached(currentCoroutineContext()), transaction)

    /**
     * Runs [block] and, once its future completed normally, deletes every entry the key template [key] renders to
     * with [args] under the strategy [prefix] (see [Cache.invalidate]); a failed block deletes nothing.
     */
    @JvmOverloads
    public fun <R> invalidate(
        key: String,
        args: Map<String, Any?> = emptyMap(),
        prefix: String = "",
        block: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call { cache.invalidate(key, args, prefix) { block.get().awaitReturned("the invalidate block") } }

    /**
     * Runs [block] with every read of this cache replaced by a delete ([Cache.invalidateFurther]): strategies inside
     * recompute and store fresh values.
     */
    public fun <R> invalidateFurther(block: Supplier<CompletableFuture<R>>): CompletableFuture<R> =
        call { cache.invalidateFurther { block.get().awaitReturned("the invalidateFurther block") } }

    /** Runs [block] and reports which values it got from a cache, by which strategy ([detect]). */
    public fun <R> detect(block: Supplier<CompletableFuture<R>>): CompletableFuture<Detected<R>> =
        call { cache.detect { block.get().awaitReturned("the detect block") } }

    /**
     * Runs [block] with [commands] (every command when empty) disabled on [prefix]'s backend (every backend when
     * `null`), for what the block does only ([Cache.disabling]).
     */
    @JvmOverloads
    public fun <R> disabling(
        commands: Collection<Command> = emptySet(),
        prefix: String? = null,
        block: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call {
            cache.disabling(*commands.toTypedArray(), prefix = prefix) {
                block.get().awaitReturned("the disabling block")
            }
        }

    /**
     * Runs [block] with [callback] told of every command of [commands] (all when empty) a backend answers meanwhile
     * ([Cache.callback]).
     */
    @JvmOverloads
    public fun <R> callback(
        commands: Collection<Command> = emptySet(),
        callback: JavaCommandCallback,
        block: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call {
            cache.callback(*commands.toTypedArray(), callback = JavaCommandCallbackAdapter(callback)) {
                block.get().awaitReturned("the callback block")
            }
        }

    /** What each strategy did since [Cache.recordStats] was turned on, by strategy name ([Cache.stats]). */
    public fun stats(): CompletableFuture<Map<String, StrategyStats>> = call { cache.stats() }

    /**
     * A publisher that replays [upstream]'s elements from the cache when a complete recording of them is stored at
     * [key], and otherwise subscribes to [upstream], passing its elements on and recording them for [ttl] (see
     * [kotlinx.coroutines.flow.Flow.cached] for what is stored and when).
     */
    @JvmOverloads
    public fun <T : Any> cachedFlow(
        upstream: java.util.concurrent.Flow.Publisher<T>,
        key: String,
        ttl: java.time.Duration,
        type: Class<T>,
        condition: CacheCondition = CacheCondition.Always,
        tags: Collection<String> = emptyList(),
    ): java.util.concurrent.Flow.Publisher<T> =
        FlowAdapters.toFlowPublisher(
            cachedPublisher(FlowAdapters.toPublisher(upstream), key, ttl, type, condition, tags),
        )

    /** [cachedFlow] for a Reactive Streams [upstream], as a Reactive Streams publisher. */
    @JvmOverloads
    public fun <T : Any> cachedPublisher(
        upstream: Publisher<T>,
        key: String,
        ttl: java.time.Duration,
        type: Class<T>,
        condition: CacheCondition = CacheCondition.Always,
        tags: Collection<String> = emptyList(),
    ): Publisher<T> {
        val flow =
            cache.cachedFlow(upstream.asFlow(), key, Ttl.requirePositive(ttl.toKotlinDuration()), condition, tags) {
                ValueType.of(type)
            }
        return flow.asPublisher(bound ?: JavaContext.inherited())
    }

    /** A Bloom filter in this cache ([Cache.bloom]), with futures. */
    public fun bloom(name: String, capacity: Long, falsePositives: Double): JavaBloomFilter =
        JavaBloomFilter(cache.bloom(name, capacity, falsePositives), scope)

    /** A dual Bloom filter in this cache ([Cache.dualBloom]), with futures. */
    public fun dualBloom(name: String, capacity: Long, falsePositives: Double): JavaDualBloomFilter =
        JavaDualBloomFilter(cache.dualBloom(name, capacity, falsePositives), scope)

    /**
     * A dual Bloom filter whose `false` side has its own [noCapacity] and [noFalsePositives], recording an answer
     * only for an element that collides with none when [noCollisions] ([Cache.dualBloom]), with futures.
     */
    public fun dualBloom(
        name: String,
        capacity: Long,
        falsePositives: Double,
        noCapacity: Long,
        noFalsePositives: Double,
        noCollisions: Boolean,
    ): JavaDualBloomFilter =
        JavaDualBloomFilter(
            cache.dualBloom(
                name,
                capacity,
                falsePositives,
                noCapacity = noCapacity,
                noFalsePositives = noFalsePositives,
                noCollisions = noCollisions,
            ),
            scope,
        )

    /** The value as the backend stores it (bytes on a byte backend), or `null`. */
    public fun getRaw(key: String): CompletableFuture<Any?> = call { cache.getRaw(key) }

    /** Stores [value] as it is, bypassing the codec. */
    public fun setRaw(key: String, value: Any, ttl: java.time.Duration?): CompletableFuture<Boolean> =
        call { cache.setRaw(key, value, ttl.toTtl()) }

    /** Deletes [key]; completes with whether it existed. */
    public fun delete(key: String): CompletableFuture<Boolean> = call { cache.delete(key) }

    /** Deletes [keys]; completes with how many existed. */
    public fun deleteMany(keys: Collection<String>): CompletableFuture<Long> = call { cache.deleteMany(keys) }

    /** Deletes every key matching the Redis glob [pattern]. */
    public fun deleteMatch(pattern: String): CompletableFuture<Long> = call { cache.deleteMatch(pattern) }

    /** Removes every key labelled with any of [tags]: see [Cache.deleteTags]. */
    public fun deleteTags(tags: Collection<String>): CompletableFuture<Void?> =
        call {
            cache.deleteTags(tags)
            null
        }

    /** Every live key matching [pattern]. */
    public fun scan(pattern: String): CompletableFuture<List<String>> = call { cache.scan(pattern).toList() }

    /** Whether [key] exists. */
    public fun exists(key: String): CompletableFuture<Boolean> = call { cache.exists(key) }

    /** Sets a new [ttl] on an existing key. */
    public fun expire(key: String, ttl: java.time.Duration): CompletableFuture<Boolean> =
        call { cache.expire(key, ttl.toKotlinDuration()) }

    /** [Cache.markStale]: marks the value at [key] stale instead of deleting it; completes with whether there was one. */
    public fun markStale(key: String): CompletableFuture<Boolean> = call { cache.markStale(key) }

    /** Missing, persistent, or expiring with the time left. */
    public fun ttl(key: String): CompletableFuture<KeyTtl> = call { cache.ttl(key) }

    /** Adds one to the counter at [key]. */
    public fun incr(key: String): CompletableFuture<Long> = incr(key, 1, null)

    /** Adds [by] to the counter at [key]; [ttl] applies when the counter is created. */
    @JvmOverloads
    public fun incr(
        key: String,
        by: Long,
        ttl: java.time.Duration?,
        tags: Collection<String> = emptyList(),
    ): CompletableFuture<Long> = call { cache.incr(key, by, ttl.toTtl(), tags) }

    /** The stored size of the value in bytes. */
    public fun sizeOf(key: String): CompletableFuture<Long> = call { cache.sizeOf(key) }

    /** The number of live keys. */
    public fun keysCount(): CompletableFuture<Long> = call { cache.keysCount() }

    /** Whether every backend answers. */
    public fun ping(): CompletableFuture<Boolean> = call { cache.ping() }

    /** [Cache.removeExpired]: removes the expired entries memory and disk backends keep until their sweep. */
    public fun removeExpired(): CompletableFuture<Long> = call { cache.removeExpired() }

    /** [Cache.setDefaultFailExceptions] from Java: the failures `soft` and `failover` serve a stored value for. */
    @SafeVarargs
    public fun setDefaultFailExceptions(vararg exceptions: Class<out Throwable>) {
        cache.setDefaultFailExceptions(*exceptions.map { it.kotlin }.toTypedArray())
    }

    /** [Cache.ping] with a message: [message] echoed (`"PING"` answered `"PONG"`), or `null` when a backend is down. */
    public fun ping(message: String): CompletableFuture<String?> = call { cache.ping(message) }

    /** Removes every key of the cache. */
    public fun clear(): CompletableFuture<Void?> =
        call {
            cache.clear()
            null
        }

    /** Takes the lock [key] with [token] for [ttl] if free. */
    public fun setLock(key: String, token: String, ttl: java.time.Duration): CompletableFuture<Boolean> =
        call { cache.setLock(key, token, ttl.toKotlinDuration()) }

    /** Releases the lock [key] held with [token]. */
    public fun unlock(key: String, token: String): CompletableFuture<Boolean> = call { cache.unlock(key, token) }

    /** Whether the lock [key] is held, waiting up to [wait] (`null`: answer at once) for its release. */
    public fun isLocked(key: String, wait: java.time.Duration?): CompletableFuture<Boolean> =
        call { cache.isLocked(key, wait.toTtl()) }

    /** Runs [action] holding the lock [key] for at most [ttl], waiting for it when held elsewhere. */
    public fun <R> lock(
        key: String,
        ttl: java.time.Duration,
        action: Supplier<CompletableFuture<R>>,
    ): CompletableFuture<R> =
        call { cache.lock(key, ttl.toKotlinDuration()) { action.get().await() } }

    /** The [size]-bit counters at [indexes]. */
    public fun getBits(key: String, indexes: List<Int>, size: Int): CompletableFuture<List<Long>> =
        call { cache.getBits(key, indexes, size) }

    /** Adds [by] to the [size]-bit counters at [indexes], saturating. */
    public fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): CompletableFuture<List<Long>> =
        call { cache.incrBits(key, indexes, size, by) }

    /** The sliding-window log primitive. */
    public fun sliceIncr(
        key: String,
        start: Long,
        end: Long,
        maxValue: Long,
        ttl: java.time.Duration?,
    ): CompletableFuture<Long> = call { cache.sliceIncr(key, start, end, maxValue, ttl.toTtl()) }

    /** Adds [members] to the set at [key]. */
    public fun setAdd(key: String, members: Collection<String>, ttl: java.time.Duration?): CompletableFuture<Long> =
        call { cache.setAdd(key, members, ttl.toTtl()) }

    /** Removes [members] from the set at [key]. */
    public fun setRemove(key: String, members: Collection<String>): CompletableFuture<Long> =
        call { cache.setRemove(key, members) }

    /** Removes and returns up to [count] members of the set at [key]. */
    public fun setPop(key: String, count: Int): CompletableFuture<List<String>> = call { cache.setPop(key, count) }

    /** The members of the set at [key]. */
    public fun setMembers(key: String): CompletableFuture<Set<String>> = call { cache.setMembers(key) }

    /** Closes the cache's backends. */
    public fun close(): CompletableFuture<Void?> =
        call {
            cache.close()
            null
        }

    internal fun <R> call(block: suspend () -> R): CompletableFuture<R> =
        scope.javaFuture(bound ?: JavaContext.inherited()) { block() }

    private fun <T : Any> typed(found: Any?, type: Class<T>): T? {
        if (found == null || found === Miss) return null
        if (type.isInstance(found)) return type.cast(found)
        return converted(found, type)
    }

    private fun <T : Any> converted(found: Any, type: Class<T>): T? {
        // Class.kotlin allocates: only the rare primitive class or a number of another width gets here.
        val boxed = if (type.isPrimitive) type.kotlin.javaObjectType else type
        if (boxed.isInstance(found)) return boxed.cast(found)
        return cache.coerce(found, type)?.let { boxed.cast(it) }
    }

    private fun typeOf(value: Any?): ValueType = ValueType.of(value?.javaClass ?: Any::class.java)

    internal fun java.time.Duration?.toTtl(): Duration? = this?.toKotlinDuration()

    public companion object {
        /** The Java facade over [cache]. */
        @JvmStatic
        public fun of(cache: Cache): JavaCache =
            JavaCache(cache, CoroutineScope(SupervisorJob() + Dispatchers.Default + JavaContext), null)
    }
}

package io.cashews

import io.cashews.internal.chain.CommandControls
import io.cashews.internal.events.CacheEvents
import io.cashews.internal.load.SingleFlight
import io.cashews.internal.load.compute
import io.cashews.internal.lock.Locks
import io.cashews.internal.route.Route
import io.cashews.internal.route.Routing
import io.cashews.internal.route.capability
import io.cashews.internal.tags.TagSettlement
import io.cashews.internal.tags.TagVersions
import io.cashews.internal.tags.TagVersions.Companion.counterStampKey
import io.cashews.internal.value.Coercion
import io.cashews.internal.value.KeyCommands
import io.cashews.internal.value.Marker
import io.cashews.internal.value.NullValue
import io.cashews.internal.value.Primitives
import io.cashews.internal.value.TtlChecks
import io.cashews.internal.value.TypeConformance
import io.cashews.internal.value.ValuePath
import io.cashews.internal.value.mayHoldElements
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transform
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import java.util.ServiceLoader
import java.util.UUID
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.TimeSource

/**
 * A cache: one or more [Backend]s, each under a key prefix, behind suspend commands.
 *
 * ```
 * val cache = Cache("mem://?size=10000")
 * cache.set("user:1", user, ttl = "3h")
 * val again: User? = cache.get("user:1")
 * ```
 *
 * Set it up with URLs ([setup]): `mem://` (in memory), `redis://` and `disk://` from their modules, `://` for a
 * disabled cache. Several backends can serve one cache: each key goes to the backend with the longest prefix it
 * starts with (the prefix only routes; keys are stored as given).
 *
 * Backends are initialised lazily, exactly once, by the first command that reaches them. TTLs are measured by
 * [timeSource]; inject a test time source to run expiry in virtual time.
 *
 * Values go to object backends as they are and to byte backends through the configured codec (JSON unless set
 * otherwise): anything undecodable, written by another codec or by an incompatible version of its class reads as a
 * miss, never as a wrong value.
 */
public class Cache(
    /** The clock of TTLs, lock waits, sliding windows and expiry sweeps of every backend this cache sets up. */
    public val timeSource: TimeSource = TimeSource.Monotonic,
    /**
     * Where the work the cache starts runs: background refreshes, lease renewals, the memory backend's expiry
     * sweep. Its job, when it has one, is their parent, so cancelling it stops them; its dispatcher, when it has
     * one, runs them (default: [Dispatchers.Default], and a refresh on the dispatcher of the call that started it).
     * In tests, pass the test's scope with its time source and everything runs in virtual time.
     */
    scope: CoroutineScope? = null,
) {
    /** A cache set up at once with [url] (see [setup]). */
    @JvmOverloads
    public constructor(
        url: String,
        timeSource: TimeSource = TimeSource.Monotonic,
        scope: CoroutineScope? = null,
    ) : this(timeSource, scope) {
        setup(url)
    }

    /** Where strategies run loads and background refreshes: owned by the cache, never by a caller. */
    private val loads = SupervisorJob(scope?.coroutineContext?.get(Job))
    internal val scope: CoroutineScope =
        CoroutineScope(
            loads + (scope?.coroutineContext?.get(ContinuationInterceptor) ?: Dispatchers.Default) +
                CoroutineName("cashews"),
        )

    internal val singleFlight: SingleFlight = SingleFlight(this.scope)

    /** Whether the scope given to the constructor names a dispatcher, which then runs the cache's background work. */
    private val dispatcherGiven = scope?.coroutineContext?.get(ContinuationInterceptor) != null

    /**
     * The context of background work started from a caller's [context]: its elements (MDC, tracing) without its
     * job, so the caller's cancellation does not stop the work, and without its dispatcher when the cache was given
     * one.
     */
    internal fun backgroundContext(context: CoroutineContext): CoroutineContext {
        val detached = context.minusKey(Job)
        return if (dispatcherGiven) detached.minusKey(ContinuationInterceptor) else detached
    }

    internal val statsRecorder = StatsRecorder()

    /** Cache-wide interceptors, callbacks and context-held blocks: see [CommandControls]. */
    internal val controls = CommandControls()

    // Wall-clock milliseconds as strategies that share windows across processes need them, advanced by timeSource so
    // that those windows also run in virtual time in tests.
    private val epochAtStart = System.currentTimeMillis()
    private val startMark = timeSource.markNow()

    /**
     * The cache's wall clock: milliseconds since the epoch, read once when the cache was built and advanced by
     * [timeSource] since. What strategies shared between processes (sliding windows, breakers) and the Ktor plugin's
     * `Age` and `max-age` count in, so a test time source moves them all.
     */
    public fun epochMillis(): Long = epochAtStart + startMark.elapsedNow().inWholeMilliseconds

    /**
     * Where locks, rate limits and breakers keep their state while a backend is down and their [OutagePolicy] is
     * [OutagePolicy.LOCAL]: an in-memory cache on the same clock, made on the first outage. Bounded, and large enough
     * that the counters of a busy service's limits are not evicted during an outage.
     */
    internal val outageFallback: Cache get() = fallback.value
    private val fallback = lazy { Cache("mem://?size=$OUTAGE_FALLBACK_SIZE", timeSource, this.scope) }

    /** Where strategies and backends report what they do: stats and [CacheEventListener]s. */
    internal val events: CacheEvents = CacheEvents(statsRecorder)

    // The engine, layer by layer (see README's "How it works"): routing, tags, values, keys and primitives, locks.
    internal val routing = Routing(timeSource, controls, events, this.scope)
    internal val tagVersions = TagVersions(routing::route)
    internal val tags = TagSettlement(routing, tagVersions)
    internal val keys = KeyCommands(routing, tags, singleFlight)
    internal val values = ValuePath(routing, tags, controls, keys)
    internal val locks: Locks = Locks(routing, timeSource, this.scope) { outageFallback.locks }
    internal val primitives = Primitives(routing)

    /**
     * Whether strategies count hits, misses, loads, failures and stale answers ([stats]). Off by default: when off,
     * with no listener ([addListener]) and no [detect] block running, a hit does no bookkeeping at all.
     */
    public var recordStats: Boolean
        get() = events.recordStats
        set(value) {
            events.recordStats = value
        }

    /**
     * The failures `soft` and `failover` serve a stored value for when a call names none: [Exception] until
     * [setDefaultFailExceptions] changes it (the reference's `set_default_fail_exceptions`).
     */
    @Volatile
    public var defaultFailExceptions: Set<KClass<out Throwable>> = setOf(Exception::class)
        private set

    /**
     * Makes [exceptions] the failures `soft` and `failover` serve a stored value for, in every call and handle that
     * names none (those that name some keep theirs). Calls already running finish under the previous default.
     */
    public fun setDefaultFailExceptions(vararg exceptions: KClass<out Throwable>) {
        require(exceptions.isNotEmpty()) { "setDefaultFailExceptions: name at least one exception class" }
        defaultFailExceptions = exceptions.toCollection(LinkedHashSet())
    }

    /** Tells [listener] what this cache does from now on (see [CacheEventListener] for the contract). */
    public fun addListener(listener: CacheEventListener) {
        events.add(listener)
    }

    /** Stops telling [listener]; returns whether it was registered. */
    public fun removeListener(listener: CacheEventListener): Boolean = events.remove(listener)

    /**
     * What each strategy did since [recordStats] was turned on, by strategy name, with the values each holds now.
     * Counting those values scans the keys of the default backend: call it for monitoring, not on a hot path.
     */
    public suspend fun stats(): Map<String, StrategyStats> {
        val stored = if (routing.all.any { it.prefix.isEmpty() }) scan("*").toList() else emptyList()
        return statsRecorder.snapshot(StatsRecorder.sizes(stored))
    }

    /** Forgets the counts behind [stats]. */
    public fun resetStats() {
        statsRecorder.reset()
    }

    /** Whether a hit must be reported (stats on, or a detect block running): one cheap check on the hit path. */
    @PublishedApi
    internal val observing: Boolean get() = events.reporting || DetectScope.active.get() > 0

    /** Reports a value served from the cache to stats and to the enclosing detect blocks. */
    @PublishedApi
    internal suspend fun observeHit(
        key: String,
        strategy: String,
        stale: Boolean = false,
        freshKey: String? = null,
    ) {
        if (events.reporting) {
            if (stale) events.stale(key, strategy) else events.hit(key, strategy)
        }
        // Only a tail call below: with no detect block running, reporting a hit allocates no continuation.
        if (DetectScope.active.get() != 0) detectHit(key, strategy, stale, freshKey)
    }

    private suspend fun detectHit(key: String, strategy: String, stale: Boolean, freshKey: String?) {
        val scope = currentCoroutineContext()[DetectScope] ?: return
        val freshFor = if (stale || freshKey == null) null else (ttl(freshKey) as? KeyTtl.Expiring)?.remaining
        scope.record(DetectedHit(key, strategy, ttl(key), stale, freshFor))
    }

    /**
     * Adds the backend described by [url] under [prefix], replacing any backend already under that prefix.
     *
     * URL grammar: `scheme://address?name=value&…`. Cache-level parameters: `enable`/`disable` (booleans:
     * `1/true/yes/on`, `0/false/no/off`), `secret` (sign values with HMAC), `digestmod` (`md5`, `sha1`, `sha256`),
     * `codec` (`json`, `cbor`, `protobuf`, `java`), `compress_type` (`none`, `gzip`, `deflate`), `check_schema`
     * (read values of another class shape as misses, default on), `on_tampered` (`error` or `miss`). The memory
     * backend adds `size` and `check_interval`. [params] override query parameters of the same name; [codec] plugs in
     * a codec of your own.
     *
     * [interceptors] run around every command sent to this backend, after the cache-wide ones ([addInterceptor]).
     *
     * Does not connect: the backend is initialised by its first command.
     *
     * @throws SetupError for an unknown scheme or parameter, or a malformed value (the message names it).
     * @throws BackendNotAvailableError when the scheme's module is not on the classpath (the message names it).
     */
    @JvmOverloads
    public fun setup(
        url: String,
        prefix: String = "",
        params: Map<String, Any?> = emptyMap(),
        codec: ValueCodec? = null,
        interceptors: List<CacheInterceptor> = emptyList(),
    ): Backend =
        routing.setup(url, prefix, params, codec, interceptors)

    /**
     * Adds a backend you built yourself under [prefix]; [params] take the cache-level parameters of [setup]
     * (`disable`, `secret`, `codec`, …), [interceptors] run around its commands.
     */
    @JvmOverloads
    public fun setup(
        backend: Backend,
        prefix: String = "",
        params: Map<String, Any?> = emptyMap(),
        codec: ValueCodec? = null,
        interceptors: List<CacheInterceptor> = emptyList(),
    ): Backend =
        routing.setup(backend, prefix, params, codec, interceptors)

    /** Whether at least one backend is set up. */
    public val isSetUp: Boolean get() = routing.all.isNotEmpty()

    // ---------------------------------------------------------------------------------------------------------------
    // Interceptors and disabling

    /**
     * Adds [interceptor] around the commands of every backend, after those added before it (see [CacheInterceptor]
     * for the order). While a cache has no interceptor at all, commands go straight to the backends.
     */
    public fun addInterceptor(interceptor: CacheInterceptor) {
        routing.reconfigure { controls.interceptors += interceptor }
    }

    /** Removes [interceptor]; returns whether it was there. */
    public fun removeInterceptor(interceptor: CacheInterceptor): Boolean =
        routing.reconfigure {
            val had = interceptor in controls.interceptors
            controls.interceptors -= interceptor
            had
        }

    /**
     * Disables [commands] (every command when none is given) on the backend set up under [prefix], or on every
     * backend when [prefix] is `null`. A disabled command does not reach the backend: it answers neutrally, shaped
     * like the real answer (`null`, `false`, `0`, a list of `null`s as long as the keys asked for), so strategies
     * call their blocks straight through. Takes effect for every coroutine at once; see [disabling] for a block.
     */
    @JvmOverloads
    public fun disable(
        vararg commands: Command,
        prefix: String? = null,
    ) {
        routing.reconfigure { routing.routesFor(prefix).forEach { it.disable(commands.asList()) } }
    }

    /** Enables [commands] again (every command when none is given), on [prefix]'s backend or on all when `null`. */
    @JvmOverloads
    public fun enable(
        vararg commands: Command,
        prefix: String? = null,
    ) {
        routing.reconfigure { routing.routesFor(prefix).forEach { it.enable(commands.asList()) } }
    }

    /**
     * Whether [command] is disabled (by [disable] or at setup) on [prefix]'s backend, or on any backend when `null`;
     * without a command, whether anything at all is disabled there. [disabling] blocks are not counted.
     */
    @JvmOverloads
    public fun isDisabled(
        command: Command? = null,
        prefix: String? = null,
    ): Boolean =
        routing.routesFor(prefix).any { route ->
            if (command == null) route.disabled.isNotEmpty() else command in route.disabled
        }

    /** Whether every command of every backend is disabled, so strategies never touch a backend. */
    public val isFullyDisabled: Boolean get() = routing.all.let { it.isNotEmpty() && it.all(Route::fullyDisabled) }

    // ---------------------------------------------------------------------------------------------------------------
    // Values

    /** The value at [key], or `null` when it is missing, expired, undecodable, or not a [T]. */
    public suspend inline fun <reified T> get(key: String): T? {
        // An in-memory hit never reaches a suspend call, so the caller's coroutine saves no state for it.
        val now = lookupNow(key) { ValueType.of<T>() }
        val found = if (now !is Marker) now else lookup(key) { ValueType.of<T>() }
        if (found is Marker || found == null) return null
        // An object backend hands back what was stored: a List<User> is a List<String> to the JVM, not to the caller.
        if (found is T) return if (!mayHoldElements<T>() || conforms(found) { ValueType.of<T>() }) found else null
        return coerce(found, ValueType.of<T>().javaClass) as T?
    }

    /** The values at [keys] in the same order, `null` for each key [get] would answer `null` for. */
    public suspend inline fun <reified T> getMany(keys: List<String>): List<T?> =
        lookupMany(keys) { ValueType.of<T>() }.map { found ->
            when {
                found is Marker || found == null -> null
                found is T -> if (!mayHoldElements<T>() || conforms(found) { ValueType.of<T>() }) found else null
                else -> coerce(found, ValueType.of<T>().javaClass) as T?
            }
        }

    /**
     * Stores [value] (which may be `null`) at [key] if [condition] holds. Without [ttl] the key never expires and
     * loses any TTL it had. Returns whether the write happened.
     *
     * With [tags], [deleteTags] of any of them removes the value; a write without tags replaces the value and its
     * tags alike.
     *
     * @throws InvalidTtlError when [ttl] is not positive.
     * @throws CodecError when a byte backend's codec cannot encode [value].
     */
    public suspend inline fun <reified T> set(
        key: String,
        value: T,
        ttl: Duration? = null,
        condition: SetCondition = SetCondition.ALWAYS,
        tags: Collection<String> = emptyList(),
    ): Boolean = store(key, value, ttl, condition, tags) { ValueType.of<T>() }

    /** [set] with a TTL in the [Ttl] grammar (`"3h"`, `"500ms"`, `"PT1H"`). */
    public suspend inline fun <reified T> set(
        key: String,
        value: T,
        ttl: String,
        condition: SetCondition = SetCondition.ALWAYS,
        tags: Collection<String> = emptyList(),
    ): Boolean = store(key, value, Ttl.parse(ttl), condition, tags) { ValueType.of<T>() }

    /** Stores every entry of [entries] with the same [ttl] (`null`: no expiry). */
    public suspend inline fun <reified T> setMany(entries: Map<String, T>, ttl: Duration? = null) {
        storeMany(entries, ttl) { ValueType.of<T>() }
    }

    /**
     * The value at [key]; when missing, [compute]s it, stores it with [ttl] and returns it. Not atomic: concurrent
     * callers may each compute (the `cached` strategies single-flight this).
     */
    public suspend inline fun <reified T> getOrSet(key: String, ttl: Duration? = null, compute: () -> T): T {
        val found = lookup(key) { ValueType.of<T>() }
        if (found !is Marker && found is T) return found
        val value = compute()
        set(key, value, ttl)
        return value
    }

    /** The stored value at [key] as the backend holds it (bytes on a byte backend), or `null` when missing. */
    public suspend fun getRaw(key: String): Any? = backendOf(route(key)).get(key).takeUnless { it === NullValue }

    /** Stores [value] at [key] as it is, bypassing the codec. */
    public suspend fun setRaw(key: String, value: Any, ttl: Duration? = null): Boolean =
        backendOf(route(key)).set(key, value, TtlChecks.checked(ttl), SetCondition.ALWAYS)

    /**
     * Every live key matching the Redis glob [pattern], from the backend the pattern routes to. Keys removed by
     * [deleteTags] are left out; the versions tags keep (`_tag:…`, `_tagged:…`) are keys like any other.
     */
    public fun scan(pattern: String = "*"): Flow<String> = keys.scan(pattern)

    /** Every live key matching [pattern] with its value; keys whose value is not a readable [T] are skipped. */
    public inline fun <reified T> getMatch(pattern: String = "*"): Flow<Pair<String, T>> =
        matching(pattern) { ValueType.of<T>() }.transform { (key, value) ->
            if (value is T && (!mayHoldElements<T>() || conforms(value) { ValueType.of<T>() })) emit(key to value)
        }

    // ---------------------------------------------------------------------------------------------------------------
    // Keys

    /** Deletes [key]; returns whether it existed. A load of [key] already running will not store its result. */
    public suspend fun delete(key: String): Boolean = keys.delete(key)

    /**
     * Invalidates [key] by marking its value stale instead of deleting it (cacheme's stale invalidation): a `cached`
     * call whose policy has `serveStale` then answers with the old value at once while one refresh loads the key
     * again in the background; every other read sees a miss. The stale copy keeps the value's remaining TTL and is
     * removed when the refresh stores. Returns whether there was a value. A load of [key] already running will not
     * store its result.
     */
    @OptIn(InternalCacheApi::class)
    public suspend fun markStale(key: String): Boolean {
        val remaining =
            when (val left = ttl(key)) {
                KeyTtl.Missing -> return false
                KeyTtl.Persistent -> null
                is KeyTtl.Expiring -> left.remaining
            }
        values.copy(key, StrategyKeys.stale(key), remaining)
        delete(key)
        return true
    }

    /** Deletes [keys]; returns how many existed. */
    public suspend fun deleteMany(keys: Collection<String>): Long = this.keys.deleteMany(keys)

    /** Deletes every key matching the Redis glob [pattern]; returns how many were deleted. */
    public suspend fun deleteMatch(pattern: String): Long = keys.deleteMatch(pattern)

    /**
     * Removes every key stored with any of [tags] (by [set], [incr] or a strategy's `tags`), on every backend,
     * without scanning keys: each tag gets a new version, and values written under an older one read as misses
     * from then on (and are deleted when read, or leave with their TTL or by eviction). Takes the same time and
     * memory for one key or a million. A load that started before this call does not store a readable result.
     */
    public suspend fun deleteTags(vararg tags: String) {
        for (tag in tags) tagVersions.bump(tag)
    }

    /** [deleteTags] for a collection of tags. */
    public suspend fun deleteTags(tags: Collection<String>) {
        deleteTags(*tags.toTypedArray())
    }

    /** Whether [key] exists, has not expired, and was not removed by [deleteTags]. */
    public suspend fun exists(key: String): Boolean = keys.exists(key)

    /** Sets a new [ttl] on an existing key; returns `false` when the key is missing. */
    public suspend fun expire(key: String, ttl: Duration): Boolean = keys.expire(key, ttl)

    /** [expire] with a TTL in the [Ttl] grammar. */
    public suspend fun expire(key: String, ttl: String): Boolean = expire(key, Ttl.parse(ttl))

    /** Whether [key] is [KeyTtl.Missing], [KeyTtl.Persistent], or [KeyTtl.Expiring] with the time left. */
    public suspend fun ttl(key: String): KeyTtl = keys.ttl(key)

    /**
     * Adds [by] to the integer at [key] (missing counts as 0) and returns the result. [ttl] applies only when this
     * call creates the key.
     *
     * With [tags], [deleteTags] of any of them resets the counter (the next call starts from 0 again). A counter keeps
     * the tags of its last tagged call until it is deleted, expires or is overwritten by [set].
     *
     * @throws NotAnIntegerError when the value is not an integer or the sum overflows; the value is unchanged.
     */
    public suspend fun incr(
        key: String,
        by: Long = 1,
        ttl: Duration? = null,
        tags: Collection<String> = emptyList(),
    ): Long = keys.incr(key, by, ttl, tags)

    /** The stored size of the value at [key] in bytes; `0` when missing, `-1` when the backend cannot tell. */
    public suspend fun sizeOf(key: String): Long = backendOf(route(key)).sizeOf(key)

    /** The number of live keys across all backends. */
    public suspend fun keysCount(): Long = keys.keysCount()

    /**
     * The entries this cache's in-memory backends hold, as Caffeine estimates them (expired entries not yet swept
     * included). Backends in other processes (Redis, disk) are not counted: [keysCount] asks them. Never suspends,
     * so it suits metrics gauges.
     */
    public fun estimatedSize(): Long = routing.all.sumOf { (it.backend as? MemoryBackend)?.estimatedSize ?: 0L }

    /** Whether every backend answers; `false` when one is disabled or unreachable. */
    public suspend fun ping(): Boolean =
        routing.all.let {
            it.isNotEmpty() &&
                it.all { route -> backendOf(route).ping() }
        }

    /**
     * Echoes [message] when every backend answers, as the reference's `ping(message)` does: `"PING"` is answered
     * `"PONG"`, anything else comes back as given. `null` when a backend is disabled or unreachable.
     */
    public suspend fun ping(message: String): String? =
        when {
            !ping() -> null
            message == "PING" -> "PONG"
            else -> message
        }

    /**
     * Removes the expired entries that backends keep until their next sweep (memory, disk), now; Redis expires keys
     * itself and has none. Returns how many were removed. aquiche's `remove_expired()`; the scheduled sweeps
     * (`check_interval`, `purge_interval`) make it needed only where memory must be freed at a known moment.
     */
    public suspend fun removeExpired(): Long =
        routing.all.sumOf { route -> (route.backend as? ExpirySweepingBackend)?.removeExpired() ?: 0L }

    /** Removes every key of every backend of this cache. */
    public suspend fun clear(): Unit = keys.clear()

    // ---------------------------------------------------------------------------------------------------------------
    // Locks

    /** Takes the lock [key] for [ttl] with [token] if it is free (or expired); returns whether it was taken. */
    public suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        locks.setLock(key, token, ttl)

    /** Releases the lock [key] if it is held with [token]; returns whether it was released. */
    public suspend fun unlock(
        key: String,
        token: String,
    ): Boolean = locks.unlock(key, token)

    /** Extends the lock [key] to expire [ttl] from now if it is still held with [token]; returns whether it is. */
    public suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        locks.renewLock(key, token, ttl)

    /**
     * Whether the lock [key] is held. With [wait], checks again every [step] until it is released (`false`) or [wait]
     * has passed, then answers from a final check.
     */
    public suspend fun isLocked(key: String, wait: Duration? = null, step: Duration = DEFAULT_STEP): Boolean =
        locks.isLocked(key, wait, step)

    /**
     * Runs [block] holding the lock [key] (taken for [ttl]) and releases it afterwards, even on failure or
     * cancellation. A lock held by someone else is waited for when [wait] is `true`, up to [waitTimeout] when given;
     * otherwise [LockedError] is raised. Waiters wake as soon as the holder releases the lock on a backend that
     * announces releases ([LockReleaseBackend]: memory and Redis) and check again at least every [step] in any
     * case (a lock can also expire). With [renew], the lock is renewed every third of [ttl] while [block] runs, so
     * [ttl] bounds how long a crashed holder blocks others, not how long [block] may take.
     *
     * A backend that cannot answer (down, timed out, loading) is handled by [whenUnavailable]: by default
     * ([OutagePolicy.FAIL_CLOSED]) the call fails with [BackendUnavailableError] and [block] does not run;
     * [OutagePolicy.LOCAL] takes an in-process lock instead (it excludes the callers of this cache only);
     * [OutagePolicy.FAIL_OPEN] runs [block] unlocked. A disabled backend (see [disable]) runs [block] unlocked.
     */
    public suspend fun <R> lock(
        key: String,
        ttl: Duration,
        wait: Boolean = true,
        waitTimeout: Duration? = null,
        step: Duration = DEFAULT_STEP,
        renew: Boolean = false,
        whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED,
        block: suspend () -> R,
    ): R = locks.lockOrRecheck(key, ttl, wait, waitTimeout, step, renew, whenUnavailable, recheck = null, block)

    // ---------------------------------------------------------------------------------------------------------------
    // Counters, windows and sets

    /** The unsigned [size]-bit counters at [indexes] of [key] (see [BitsBackend]); a missing key reads as zeros. */
    public suspend fun getBits(key: String, indexes: List<Int>, size: Int = 1): List<Long> =
        primitives.getBits(key, indexes, size)

    /** Adds [by] to the [size]-bit counters at [indexes], saturating at 0 and `2^size - 1`; returns their values. */
    public suspend fun incrBits(key: String, indexes: List<Int>, size: Int = 1, by: Long = 1): List<Long> =
        primitives.incrBits(key, indexes, size, by)

    /**
     * The sliding-window log primitive (see [SlidingWindowBackend.sliceIncr]): the count after recording one entry,
     * or `maxValue + 1` when the window was full and nothing was recorded. Times are in the caller's unit.
     */
    public suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration? = null): Long =
        primitives.sliceIncr(key, start, end, maxValue, ttl)

    /**
     * Takes [cost] tokens from the token bucket at [key] (see [TokenBucketBackend] and [tokenBucket]): one token
     * every [interval], at most [burst]. Answers whether they were taken, what is left and, if not, when they will be.
     */
    public suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long = 1): TokenGrant =
        primitives.takeTokens(key, interval, burst, cost)

    /** Adds [members] to the set at [key]; returns how many were new. [ttl], when given, is set on the key. */
    public suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration? = null): Long =
        primitives.setAdd(key, members, ttl)

    /** Removes [members] from the set at [key]; returns how many were present. */
    public suspend fun setRemove(key: String, members: Collection<String>): Long = primitives.setRemove(key, members)

    /** Removes and returns up to [count] arbitrary members of the set at [key]. */
    public suspend fun setPop(key: String, count: Int = 100): List<String> = primitives.setPop(key, count)

    /** The members of the set at [key]; empty when missing. */
    public suspend fun setMembers(key: String): Set<String> = primitives.setMembers(key)

    // ---------------------------------------------------------------------------------------------------------------
    // Lifecycle

    /**
     * Cancels running loads and background refreshes and closes every backend. The cache has no backend afterwards:
     * set it up again to reuse it.
     */
    public suspend fun close() {
        loads.cancelChildren()
        if (fallback.isInitialized()) fallback.value.close()
        for (backend in routing.removeAll()) backend.close()
    }

    /**
     * [close], blocking the calling thread until every backend is closed (interruption cancels the wait); Java calls
     * it as `cache.close()`.
     */
    @JvmName("close")
    public fun closeBlocking() {
        runBlocking { close() }
    }

    override fun toString(): String = "Cache($routing)"

    // ---------------------------------------------------------------------------------------------------------------
    // Internals the inline commands reach

    /** The decoded value at [key], `null` for a cached null, or a [Marker] (see [ValuePath.lookup]). */
    @PublishedApi
    internal suspend fun lookup(key: String, type: () -> ValueType): Any? = values.lookup(key, type)

    /** The decoded value at [key] when it can be answered without suspending, else a [Marker]. */
    @PublishedApi
    internal fun lookupNow(key: String, type: (() -> ValueType)?): Any? = values.lookupNow(key, type)

    /** [lookupNow] of a key a face keeps: an in-memory hit on the entry it remembers skips the lookup by name. */
    @PublishedApi
    @InternalCacheApi
    internal fun lookupNow(key: RememberedKey, type: (() -> ValueType)?): Any? = values.lookupNow(key, type)

    @PublishedApi
    internal suspend fun lookupMany(keys: List<String>, type: () -> ValueType): List<Any?> =
        values.lookupMany(keys, type)

    @PublishedApi
    internal suspend fun store(
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        tags: Collection<String> = emptyList(),
        type: () -> ValueType,
    ): Boolean {
        // An in-memory write needs no suspending work: made here, the only suspend call below stays a tail call.
        val now = values.storeNow(key, value, ttl, condition, tags)
        if (now is Boolean) return now
        return values.storeStamped(route(key), key, value, ttl, condition, tagVersions.stamp(tags), type)
    }

    @PublishedApi
    internal suspend fun storeMany(entries: Map<String, Any?>, ttl: Duration?, type: () -> ValueType) {
        values.storeMany(entries, ttl, type)
    }

    @PublishedApi
    internal fun matching(pattern: String, type: () -> ValueType): Flow<Pair<String, Any?>> =
        values.matching(pattern, type)

    /** A stored number read as the numeric class [target] asks for, when it fits; otherwise `null` (a miss). */
    @PublishedApi
    internal fun coerce(value: Any, target: Class<*>): Any? = Coercion.coerce(value, target)

    /** Whether [found], perhaps a container (see [mayHoldElements]), holds elements of the asked type. */
    @PublishedApi
    internal fun conforms(found: Any?, type: () -> ValueType): Boolean = TypeConformance.accepts(found, type)

    internal fun route(key: String): Route = routing.route(key)

    /** Tells the listeners how far the warm-up [name] has come. */
    internal fun reportWarmUp(name: String, done: Long, total: Long) {
        if (events.reporting) events.warmUp(name, done, total)
    }

    internal suspend fun backendOf(route: Route): Backend = routing.backendOf(route)

    internal suspend fun <R> withControlsScope(element: CoroutineContext.Element, block: suspend () -> R): R =
        routing.withControlsScope(element, block)

    internal suspend inline fun <reified C : Any> capability(key: String, command: String): C =
        routing.capability(key, command)

    public companion object {
        /**
         * The default cache, like cashews' `cache`: not set up until you call [setup] on it, after which the top-level
         * strategy functions use it.
         */
        @JvmField
        public val Default: Cache = Cache()

        private val DEFAULT_STEP = 100.milliseconds
        private const val OUTAGE_FALLBACK_SIZE = 100_000
    }
}

package io.cashews

import io.cashews.internal.CacheEvents
import io.cashews.internal.CodecSettings
import io.cashews.internal.CommandControls
import io.cashews.internal.MemoryBackendProvider
import io.cashews.internal.Miss
import io.cashews.internal.NotNow
import io.cashews.internal.NullValue
import io.cashews.internal.Redaction
import io.cashews.internal.Route
import io.cashews.internal.SetupUrl
import io.cashews.internal.SingleFlight
import io.cashews.internal.TagStamp
import io.cashews.internal.TagVersions
import io.cashews.internal.TagVersions.Companion.counterStampKey
import io.cashews.internal.Tagged
import io.cashews.internal.Transactions
import io.cashews.internal.TypeConformance
import io.cashews.internal.ValueSerializer
import io.cashews.internal.ValueSerializer.Companion.isInteger
import io.cashews.internal.capability
import io.cashews.internal.mayHoldElements
import io.cashews.internal.raisingOutages
import io.cashews.internal.withLease
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transform
import kotlinx.coroutines.withContext
import java.util.ServiceLoader
import java.util.UUID
import kotlin.coroutines.CoroutineContext
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
    /** The clock of TTLs, lock waits and sliding windows of every backend this cache sets up. */
    public val timeSource: TimeSource = TimeSource.Monotonic,
) {
    /** A cache set up at once with [url] (see [setup]). */
    @JvmOverloads
    public constructor(url: String, timeSource: TimeSource = TimeSource.Monotonic) : this(timeSource) {
        setup(url)
    }

    @Volatile
    private var routes: Array<Route> = emptyArray()
    private val replaced = ArrayList<Backend>()

    /** Where strategies run loads and background refreshes: owned by the cache, never by a caller. */
    private val loads = SupervisorJob()
    internal val scope: CoroutineScope = CoroutineScope(loads + Dispatchers.Default + CoroutineName("cashews"))

    @PublishedApi
    internal val singleFlight: SingleFlight = SingleFlight(scope)

    internal val statsRecorder = StatsRecorder()

    internal val tagVersions = TagVersions(::route)

    /** Cache-wide interceptors, callbacks and context-held blocks: see [CommandControls]. */
    internal val controls = CommandControls()

    // Wall-clock milliseconds as strategies that share windows across processes need them, advanced by timeSource so
    // that those windows also run in virtual time in tests.
    private val epochAtStart = System.currentTimeMillis()
    private val startMark = timeSource.markNow()

    /** Milliseconds since the epoch, advancing with [timeSource]. */
    internal fun epochMillis(): Long = epochAtStart + startMark.elapsedNow().inWholeMilliseconds

    /**
     * Where locks, rate limits and breakers keep their state while a backend is down and their [OutagePolicy] is
     * [OutagePolicy.LOCAL]: an in-memory cache on the same clock, made on the first outage. Bounded, and large enough
     * that the counters of a busy service's limits are not evicted during an outage.
     */
    internal val outageFallback: Cache get() = fallback.value
    private val fallback = lazy { Cache("mem://?size=$OUTAGE_FALLBACK_SIZE", timeSource) }

    /** Where strategies and backends report what they do: stats and [CacheEventListener]s. */
    @PublishedApi
    internal val events: CacheEvents = CacheEvents(statsRecorder)

    /**
     * Whether strategies count hits, misses, loads, failures and stale answers ([stats]). Off by default: when off,
     * with no listener ([addListener]) and no [detect] block running, a hit does no bookkeeping at all.
     */
    public var recordStats: Boolean
        get() = events.recordStats
        set(value) {
            events.recordStats = value
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
        val keys = if (routes.any { it.prefix.isEmpty() }) scan("*").toList() else emptyList()
        return statsRecorder.snapshot(StatsRecorder.sizes(keys))
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
    internal suspend fun observeHit(key: String, strategy: String, stale: Boolean = false, freshKey: String? = null) {
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
    ): Backend {
        val parsed = SetupUrl.parse(url)
        val settings = settings(parsed.scheme, parsed.address, parsed.params, params)
        val disabled = disabled(settings) || parsed.scheme.isEmpty()
        val provider =
            providerFor(if (parsed.scheme.isEmpty()) "mem" else parsed.scheme)
                ?: throw missingProvider(parsed.scheme, Redaction.url(url))
        val backend = provider.create(settings)
        val shown = Redaction.url(url)
        install(prefix, backend, settings, codec, disabled, interceptors, parsed.scheme.ifEmpty { "disabled" }, shown)
        return backend
    }

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
    ): Backend {
        val settings = settings("", backend.toString(), emptyMap(), params)
        val layer =
            backend.javaClass.simpleName
                .removeSuffix("Backend")
                .lowercase()
                .ifEmpty { "custom" }
        install(prefix, backend, settings, codec, disabled(settings), interceptors, layer, backend.toString())
        return backend
    }

    /** Whether at least one backend is set up. */
    public val isSetUp: Boolean get() = routes.isNotEmpty()

    // ---------------------------------------------------------------------------------------------------------------
    // Interceptors and disabling

    /**
     * Adds [interceptor] around the commands of every backend, after those added before it (see [CacheInterceptor]
     * for the order). While a cache has no interceptor at all, commands go straight to the backends.
     */
    public fun addInterceptor(interceptor: CacheInterceptor) {
        reconfigure { controls.interceptors += interceptor }
    }

    /** Removes [interceptor]; returns whether it was there. */
    public fun removeInterceptor(interceptor: CacheInterceptor): Boolean =
        reconfigure {
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
        reconfigure { routesFor(prefix).forEach { it.disable(commands.asList()) } }
    }

    /** Enables [commands] again (every command when none is given), on [prefix]'s backend or on all when `null`. */
    @JvmOverloads
    public fun enable(
        vararg commands: Command,
        prefix: String? = null,
    ) {
        reconfigure { routesFor(prefix).forEach { it.enable(commands.asList()) } }
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
        routesFor(prefix).any { route ->
            if (command == null) route.disabled.isNotEmpty() else command in route.disabled
        }

    /** Whether every command of every backend is disabled, so strategies never touch a backend. */
    public val isFullyDisabled: Boolean get() = routes.isNotEmpty() && routes.all { it.fullyDisabled }

    // ---------------------------------------------------------------------------------------------------------------
    // Values

    /** The value at [key], or `null` when it is missing, expired, undecodable, or not a [T]. */
    public suspend inline fun <reified T> get(key: String): T? {
        // An in-memory hit never reaches a suspend call, so the caller's coroutine saves no state for it.
        val now = lookupNow(key) { ValueType.of<T>() }
        val found = if (now !== NotNow) now else lookup(key) { ValueType.of<T>() }
        if (found === Miss || found == null) return null
        // An object backend hands back what was stored: a List<User> is a List<String> to the JVM, not to the caller.
        if (found is T) {
            return if (!mayHoldElements<T>() ||
                TypeConformance.accepts(found) { ValueType.of<T>() }
            ) {
                found
            } else {
                null
            }
        }
        return coerce(found, ValueType.of<T>().javaClass) as T?
    }

    /** The values at [keys] in the same order, `null` for each key [get] would answer `null` for. */
    public suspend inline fun <reified T> getMany(keys: List<String>): List<T?> =
        lookupMany(keys) { ValueType.of<T>() }.map { found ->
            when {
                found === Miss || found == null -> null
                found is T -> if (TypeConformance.accepts(found) { ValueType.of<T>() }) found else null
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
        if (found !== Miss && found is T) return found
        val value = compute()
        set(key, value, ttl)
        return value
    }

    /** The stored value at [key] as the backend holds it (bytes on a byte backend), or `null` when missing. */
    public suspend fun getRaw(key: String): Any? = backendOf(route(key)).get(key).takeUnless { it === NullValue }

    /** Stores [value] at [key] as it is, bypassing the codec. */
    public suspend fun setRaw(key: String, value: Any, ttl: Duration? = null): Boolean =
        backendOf(route(key)).set(key, value, checked(ttl), SetCondition.ALWAYS)

    /**
     * Every live key matching the Redis glob [pattern], from the backend the pattern routes to. Keys removed by
     * [deleteTags] are left out; the versions tags keep (`_tag:…`, `_tagged:…`) are keys like any other.
     */
    public fun scan(pattern: String = "*"): Flow<String> =
        flow {
            val route = route(pattern)
            val backend = backendOf(route)
            if (!checksTags(route)) {
                backend.scan(pattern).collect { emit(it) }
                return@flow
            }
            scanWithValues(backend, pattern) { key, stored -> if (!isTagStale(route, key, stored)) emit(key) }
        }

    /** Every live key matching [pattern] with its value; keys whose value is not a readable [T] are skipped. */
    public inline fun <reified T> getMatch(pattern: String = "*"): Flow<Pair<String, T>> =
        matching(pattern) { ValueType.of<T>() }.transform { (key, value) ->
            if (value is T && TypeConformance.accepts(value) { ValueType.of<T>() }) emit(key to value)
        }

    // ---------------------------------------------------------------------------------------------------------------
    // Keys

    /** Deletes [key]; returns whether it existed. A load of [key] already running will not store its result. */
    public suspend fun delete(key: String): Boolean {
        singleFlight.invalidate(key)
        val route = route(key)
        val backend = backendOf(route)
        if (dropIfTagStale(route, backend, key)) return false
        val existed = backend.delete(key)
        if (route.mayHoldCounterTags) backend.delete(counterStampKey(key))
        return existed
    }

    /** Deletes [keys]; returns how many existed. */
    public suspend fun deleteMany(keys: Collection<String>): Long {
        keys.forEach(singleFlight::invalidate)
        return deleteEntries(keys)
    }

    /** Deletes [keys] (and the tags kept beside counters); returns how many existed. */
    private suspend fun deleteEntries(keys: Collection<String>): Long =
        keys.groupBy(::route).entries.sumOf { (route, group) ->
            val backend = backendOf(route)
            val existed = backend.deleteMany(group)
            if (route.mayHoldCounterTags) backend.deleteMany(group.map(::counterStampKey))
            existed
        }

    /** Deletes every key matching the Redis glob [pattern]; returns how many were deleted. */
    public suspend fun deleteMatch(pattern: String): Long {
        singleFlight.invalidateMatching(GlobPattern(pattern)::matches)
        return deleteMatchingEntries(route(pattern), pattern)
    }

    private suspend fun deleteMatchingEntries(route: Route, pattern: String): Long {
        val backend = backendOf(route)
        val stale = ArrayList<String>()
        if (checksTags(route)) {
            // Entries a deleted tag already removed are deleted too, but not counted: they were gone for every read.
            scanWithValues(backend, pattern) { key, stored -> if (isTagStale(route, key, stored)) stale += key }
            if (stale.isNotEmpty()) deleteEntries(stale)
        }
        val deleted = backend.deleteMatch(pattern)
        if (route.mayHoldCounterTags) backend.deleteMatch(counterStampKey(pattern))
        return deleted
    }

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
    public suspend fun exists(key: String): Boolean {
        val route = route(key)
        val backend = backendOf(route)
        if (!checksTags(route)) return backend.exists(key)
        val stored = backend.get(key) ?: return false
        return !isTagStale(route, key, stored)
    }

    /** Sets a new [ttl] on an existing key; returns `false` when the key is missing. */
    public suspend fun expire(key: String, ttl: Duration): Boolean {
        val route = route(key)
        val backend = backendOf(route)
        val checkedTtl = finite(ttl, "expire", "to keep a key for ever, set it again without a TTL")
        if (dropIfTagStale(route, backend, key)) return false
        val existed = backend.expire(key, checkedTtl)
        if (existed && route.mayHoldCounterTags) backend.expire(counterStampKey(key), checkedTtl)
        return existed
    }

    /** [expire] with a TTL in the [Ttl] grammar. */
    public suspend fun expire(key: String, ttl: String): Boolean = expire(key, Ttl.parse(ttl))

    /** Whether [key] is [KeyTtl.Missing], [KeyTtl.Persistent], or [KeyTtl.Expiring] with the time left. */
    public suspend fun ttl(key: String): KeyTtl {
        val route = route(key)
        val backend = backendOf(route)
        val ttl = backend.ttl(key)
        if (ttl == KeyTtl.Missing || !checksTags(route)) return ttl
        val stored = backend.get(key) ?: return KeyTtl.Missing
        return if (isTagStale(route, key, stored)) KeyTtl.Missing else ttl
    }

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
    ): Long {
        val route = route(key)
        val backend = backendOf(route)
        val checkedTtl = checked(ttl)
        if (tags.isEmpty() && !route.mayHoldCounterTags) return backend.incr(key, by, checkedTtl)
        // Versions are read first, so a deleteTags that lands during this call leaves a stale stamp behind.
        val stamp = tagVersions.stamp(tags)
        val current = counterStamp(route, key)
        val stale = current != null && !tagVersions.isCurrent(current)
        // A counter with a deleted tag starts again from 0, and so does a tagged value of another kind (a text): only
        // a key without counter tags can hold one, so its counter tags are not read twice.
        when {
            stale -> dropTagged(route, key, counter = true)
            current == null -> dropIfTagStale(route, backend, key)
        }
        val result = backend.incr(key, by, checkedTtl)
        if (stamp != null && (current == null || stale || !current.tags.contentEquals(stamp.tags))) {
            val left = backend.ttl(key)
            if (left != KeyTtl.Missing) writeCounterStamp(route, key, stamp, (left as? KeyTtl.Expiring)?.remaining)
        }
        return result
    }

    /** The stored size of the value at [key] in bytes; `0` when missing, `-1` when the backend cannot tell. */
    public suspend fun sizeOf(key: String): Long = backendOf(route(key)).sizeOf(key)

    /** The number of live keys across all backends. */
    public suspend fun keysCount(): Long =
        routes.sumOf { route ->
            val backend = backendOf(route)
            if (!checksTags(route)) {
                backend.keysCount()
            } else {
                // Entries a deleted tag removed are not counted, as scan does not list them.
                var live = 0L
                scanWithValues(backend, "*") { key, stored -> if (!isTagStale(route, key, stored)) live++ }
                live
            }
        }

    /**
     * The entries this cache's in-memory backends hold, as Caffeine estimates them (expired entries not yet swept
     * included). Backends in other processes (Redis, disk) are not counted: [keysCount] asks them. Never suspends,
     * so it suits metrics gauges.
     */
    public fun estimatedSize(): Long = routes.sumOf { (it.backend as? MemoryBackend)?.estimatedSize ?: 0L }

    /** Whether every backend answers; `false` when one is disabled or unreachable. */
    public suspend fun ping(): Boolean = routes.isNotEmpty() && routes.all { backendOf(it).ping() }

    /** Removes every key of every backend of this cache. */
    public suspend fun clear() {
        singleFlight.invalidateMatching { true }
        for (route in routes) backendOf(route).clear()
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Locks

    /** Takes the lock [key] for [ttl] with [token] if it is free (or expired); returns whether it was taken. */
    public suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        capability<LockBackend>(key, "setLock").setLock(key, token, lockTtl(ttl))

    /** Releases the lock [key] if it is held with [token]; returns whether it was released. */
    public suspend fun unlock(
        key: String,
        token: String,
    ): Boolean = capability<LockBackend>(key, "unlock").unlock(key, token)

    /** Extends the lock [key] to expire [ttl] from now if it is still held with [token]; returns whether it is. */
    public suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        capability<LockBackend>(key, "renewLock").renewLock(key, token, lockTtl(ttl))

    /**
     * Whether the lock [key] is held. With [wait], checks again every [step] until it is released (`false`) or [wait]
     * has passed, then answers from a final check.
     */
    public suspend fun isLocked(key: String, wait: Duration? = null, step: Duration = DEFAULT_STEP): Boolean {
        val backend = backendOf(route(key))
        if (wait == null) return backend.exists(key)
        require(step.isPositive()) { "step must be positive, was $step" }
        repeat(steps(wait, step)) {
            if (!backend.exists(key)) return false
            delay(step)
        }
        return backend.exists(key)
    }

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
    ): R = lockOrRecheck(key, ttl, wait, waitTimeout, step, renew, whenUnavailable, recheck = null, block)

    /**
     * [lock], where [recheck] runs after every wait and may answer instead of the lock (a value the holder stored):
     * the cross-process single-flight of loads, where one process loads and the others read what it stored.
     */
    internal suspend fun <R> lockOrRecheck(
        key: String,
        ttl: Duration,
        wait: Boolean,
        waitTimeout: Duration?,
        step: Duration,
        renew: Boolean,
        whenUnavailable: OutagePolicy,
        recheck: (suspend () -> Found<R>?)?,
        block: suspend () -> R,
    ): R {
        require(step.isPositive()) { "step must be positive, was $step" }
        val route = route(key)
        val locks = capability<LockBackend>(key, "lock")
        val releases = if (wait) route.backend as? LockReleaseBackend else null
        val leaseTtl = lockTtl(ttl)
        val token = UUID.randomUUID().toString()
        val started = timeSource.markNow()
        while (true) {
            // Listening starts before the try, so a release between a failed try and the wait is heard.
            val watch = releases?.watchRelease(key)
            try {
                val taken =
                    try {
                        raisingOutages(route) { locks.setLock(key, token, leaseTtl) }
                    } catch (e: BackendUnavailableError) {
                        return when (whenUnavailable) {
                            OutagePolicy.FAIL_CLOSED -> {
                                throw e
                            }

                            OutagePolicy.FAIL_OPEN -> {
                                block()
                            }

                            OutagePolicy.LOCAL -> {
                                outageFallback.lockOrRecheck(
                                    key,
                                    ttl,
                                    wait,
                                    waitTimeout,
                                    step,
                                    renew,
                                    OutagePolicy.FAIL_CLOSED,
                                    null,
                                    block,
                                )
                            }
                        }
                    }
                if (taken) break
                // A disabled command answers `false` without asking anyone: nobody holds the lock.
                if (commandDisabled(route, Command.SET_LOCK)) return block()
                if (!wait) throw LockedError("key '$key' is already locked")
                val waited = started.elapsedNow()
                if (waitTimeout != null && waited >= waitTimeout) {
                    throw LockedError("key '$key' is still locked after waiting $waitTimeout")
                }
                val pause = if (waitTimeout == null) step else minOf(step, waitTimeout - waited)
                if (watch == null) delay(pause) else watch.await(pause)
            } finally {
                watch?.close()
            }
            recheck?.invoke()?.let { return it.value }
        }
        try {
            return if (renew) withLease(locks, key, token, leaseTtl, block) else block()
        } finally {
            withContext(NonCancellable) { locks.unlock(key, token) }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Counters, windows and sets

    /** The unsigned [size]-bit counters at [indexes] of [key] (see [BitsBackend]); a missing key reads as zeros. */
    public suspend fun getBits(key: String, indexes: List<Int>, size: Int = 1): List<Long> {
        checkBits(indexes, size)
        return capability<BitsBackend>(key, "getBits").getBits(key, indexes, size)
    }

    /** Adds [by] to the [size]-bit counters at [indexes], saturating at 0 and `2^size - 1`; returns their values. */
    public suspend fun incrBits(key: String, indexes: List<Int>, size: Int = 1, by: Long = 1): List<Long> {
        checkBits(indexes, size)
        return capability<BitsBackend>(key, "incrBits").incrBits(key, indexes, size, by)
    }

    /**
     * The sliding-window log primitive (see [SlidingWindowBackend.sliceIncr]): the count after recording one entry,
     * or `maxValue + 1` when the window was full and nothing was recorded. Times are in the caller's unit.
     */
    public suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration? = null): Long {
        require(start <= end) { "window start $start is after its end $end" }
        require(maxValue > 0) { "maxValue must be positive, was $maxValue" }
        return capability<SlidingWindowBackend>(key, "sliceIncr").sliceIncr(key, start, end, maxValue, checked(ttl))
    }

    /** Adds [members] to the set at [key]; returns how many were new. [ttl], when given, is set on the key. */
    public suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration? = null): Long =
        capability<SetBackend>(key, "setAdd").setAdd(key, members, checked(ttl))

    /** Removes [members] from the set at [key]; returns how many were present. */
    public suspend fun setRemove(key: String, members: Collection<String>): Long =
        capability<SetBackend>(key, "setRemove").setRemove(key, members)

    /** Removes and returns up to [count] arbitrary members of the set at [key]. */
    public suspend fun setPop(key: String, count: Int = 100): List<String> {
        require(count >= 0) { "count must not be negative, was $count" }
        return capability<SetBackend>(key, "setPop").setPop(key, count)
    }

    /** The members of the set at [key]; empty when missing. */
    public suspend fun setMembers(key: String): Set<String> = capability<SetBackend>(key, "setMembers").setMembers(key)

    // ---------------------------------------------------------------------------------------------------------------
    // Lifecycle

    /**
     * Cancels running loads and background refreshes and closes every backend. The cache has no backend afterwards:
     * set it up again to reuse it.
     */
    public suspend fun close() {
        loads.cancelChildren()
        if (fallback.isInitialized()) fallback.value.close()
        val closing: List<Backend>
        synchronized(this) {
            closing = routes.map { it.backend } + replaced
            routes = emptyArray()
            replaced.clear()
        }
        for (backend in closing) backend.close()
    }

    override fun toString(): String = "Cache(${routes.joinToString { "'${it.prefix}' -> ${it.backend}" }})"

    // ---------------------------------------------------------------------------------------------------------------
    // Internals the inline commands reach

    /**
     * The decoded value at [key], `null` for a cached null, or [Miss]. The in-memory hit is answered without
     * suspending and without allocating: the only suspend call is in tail position, so no continuation is made.
     */
    @PublishedApi
    internal suspend fun lookup(key: String, type: () -> ValueType): Any? {
        val route = route(key)
        val local = route.local
        if (local != null) {
            val found = unwrap(local.getNow(key))
            return if (route.tagsWritten) settleTags(route, key, found) else found
        }
        val copy = route.copies?.localCopy(key)
        if (copy != null) return settleTags(route, key, decodeCopy(route, key, copy, type))
        return lookupSlow(route, key, type)
    }

    /**
     * The decoded value at [key] when it can be answered without suspending (an in-memory hit, or a current local
     * copy of a byte backend's value when [type] is given), else [NotNow].
     */
    @PublishedApi
    internal fun lookupNow(key: String, type: (() -> ValueType)?): Any? {
        val route = route(key)
        val local = route.local
        if (local == null) {
            if (type == null) return NotNow
            val copy = route.copies?.localCopy(key) ?: return NotNow
            // A tagged value needs its tags' versions read from the backend: that is the suspending path's work.
            return decodeCopy(route, key, copy, type).let { if (it is Tagged) NotNow else it }
        }
        val found = unwrap(local.getNow(key))
        return if (route.tagsWritten) settleTagsNow(local, key, found) else found
    }

    /** [lookupNow], answering [NotNow] instead of failing, so callers that return futures fail them properly. */
    internal fun lookupNowOrNotNow(key: String): Any? =
        try {
            lookupNow(key, null)
        } catch (e: NotConfiguredError) {
            NotNow
        }

    private suspend fun lookupSlow(route: Route, key: String, type: () -> ValueType): Any? {
        if (controls.scoped) return lookupScoped(route, key, type)
        val stored = route.ready().get(key) ?: return Miss
        return settleTags(route, key, decode(route, key, stored, type))
    }

    /** [lookupSlow] while blocks with a context-held effect run: the current one may invalidate further. */
    private suspend fun lookupScoped(route: Route, key: String, type: () -> ValueType): Any? {
        if (invalidatingFurther()) {
            dropTagged(route, key, counter = route.mayHoldCounterTags)
            return Miss
        }
        val stored = backendOf(route).get(key) ?: return Miss
        return settleTags(route, key, decode(route, key, stored, type))
    }

    @PublishedApi
    internal suspend fun lookupMany(keys: List<String>, type: () -> ValueType): List<Any?> {
        if (invalidatingFurther()) {
            deleteEntries(keys)
            return List(keys.size) { Miss }
        }
        val results = arrayOfNulls<Any?>(keys.size)
        val byRoute = keys.indices.groupBy { route(keys[it]) }
        for ((route, indexes) in byRoute) {
            val stored = backendOf(route).getMany(indexes.map { keys[it] })
            indexes.forEachIndexed { i, index ->
                // Not `?.let { } ?: Miss`: a value that decodes to null is a cached null, not a miss.
                val raw = stored[i]
                results[index] =
                    if (raw == null) Miss else settleTags(route, keys[index], decode(route, keys[index], raw, type))
            }
        }
        return results.asList()
    }

    @PublishedApi
    internal suspend fun store(
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        tags: Collection<String> = emptyList(),
        type: () -> ValueType,
    ): Boolean = storeStamped(key, value, ttl, condition, tagVersions.stamp(tags), type)

    /** Writes [value] at [key], tagged with [stamp] when given (see [TagVersions]). */
    internal suspend fun storeStamped(
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        stamp: TagStamp?,
        type: () -> ValueType,
    ): Boolean {
        val route = route(key)
        val checkedTtl = checked(ttl)
        val counter = isInteger(value)
        // A conditional write must see an entry a deleted tag removed as missing, as reads do.
        if (condition != SetCondition.ALWAYS) dropIfTagStale(route, backendOf(route), key)
        if (stamp != null) route.tagsWritten = true
        // Integers stay plain so that incr keeps working on them: their tags are kept beside them.
        val stored =
            when {
                stamp == null || counter -> encode(route, key, value, type, checkedTtl)
                route.serializer == null -> Tagged(value, stamp)
                else -> route.serializer.encode(key, value, type, checkedTtl, stamp)
            }
        val written = backendOf(route).set(key, stored, checkedTtl, condition)
        if (written && counter && (stamp != null || route.mayHoldCounterTags)) {
            if (stamp != null) {
                writeCounterStamp(route, key, stamp, checkedTtl)
            } else {
                backendOf(route).delete(counterStampKey(key))
            }
        }
        return written
    }

    @PublishedApi
    internal suspend fun storeMany(entries: Map<String, Any?>, ttl: Duration?, type: () -> ValueType) {
        val checkedTtl = checked(ttl)
        for ((route, group) in entries.entries.groupBy { route(it.key) }) {
            val backend = backendOf(route)
            backend.setMany(
                group.associate { (key, value) ->
                    key to encode(route, key, value, type, checkedTtl)
                },
                checkedTtl,
            )
            if (route.mayHoldCounterTags) {
                val stamps = group.filter { isInteger(it.value) }.map { counterStampKey(it.key) }
                if (stamps.isNotEmpty()) backend.deleteMany(stamps)
            }
        }
    }

    @PublishedApi
    internal fun matching(pattern: String, type: () -> ValueType): Flow<Pair<String, Any?>> =
        flow {
            val route = route(pattern)
            if (invalidatingFurther()) {
                deleteMatchingEntries(route, pattern)
                return@flow
            }
            scanWithValues(backendOf(route), pattern) { key, stored ->
                val value = settleTags(route, key, decode(route, key, stored, type))
                if (value !== Miss) emit(key to value)
            }
        }

    /** Scans [pattern] on [backend] and reads the keys' stored values in batches, passing on those still there. */
    private suspend fun scanWithValues(backend: Backend, pattern: String, each: suspend (String, Any) -> Unit) {
        val batch = ArrayList<String>(MATCH_BATCH)

        suspend fun drain() {
            val stored = backend.getMany(batch)
            for (i in batch.indices) stored[i]?.let { each(batch[i], it) }
            batch.clear()
        }
        backend.scan(pattern).collect {
            batch += it
            if (batch.size == MATCH_BATCH) drain()
        }
        if (batch.isNotEmpty()) drain()
    }

    /** A stored number read as the numeric class [target] asks for, when it fits; otherwise `null` (a miss). */
    @PublishedApi
    internal fun coerce(value: Any, target: Class<*>): Any? {
        if (value !is Number) return null
        val asLong = value.toLong()
        val exact = value is Long || value is Int || value is Short || value is Byte
        return when (target) {
            Long::class.javaObjectType, Long::class.javaPrimitiveType -> {
                if (exact) asLong else null
            }

            Int::class.javaObjectType, Int::class.javaPrimitiveType -> {
                if (exact && asLong in Int.MIN_VALUE..Int.MAX_VALUE) asLong.toInt() else null
            }

            Short::class.javaObjectType, Short::class.javaPrimitiveType -> {
                if (exact && asLong in Short.MIN_VALUE..Short.MAX_VALUE) asLong.toShort() else null
            }

            Byte::class.javaObjectType, Byte::class.javaPrimitiveType -> {
                if (exact && asLong in Byte.MIN_VALUE..Byte.MAX_VALUE) asLong.toByte() else null
            }

            Double::class.javaObjectType, Double::class.javaPrimitiveType -> {
                value.toDouble()
            }

            Float::class.javaObjectType, Float::class.javaPrimitiveType -> {
                value.toFloat()
            }

            else -> {
                null
            }
        }
    }

    // Tags: see TagVersions for the design.

    /** Whether reads of [route] must look for tags: once it may hold any. */
    private fun checksTags(route: Route): Boolean = route.tagsWritten || route.serializer != null

    /** [found] without its tags when they are current; [Miss] (and the entry deleted) when a tag was deleted. */
    private suspend fun settleTags(route: Route, key: String, found: Any?): Any? {
        val stamp =
            when {
                found is Tagged -> found.stamp
                route.mayHoldCounterTags && isInteger(found) -> counterStamp(route, key) ?: return found
                else -> return found
            }
        if (tagVersions.isCurrent(stamp)) return if (found is Tagged) found.value else found
        dropTagged(route, key, counter = found !is Tagged)
        return Miss
    }

    /** [settleTags] for the in-memory hit path: [NotNow] when the answer needs a suspend call or a delete. */
    private fun settleTagsNow(local: MemoryBackend, key: String, found: Any?): Any? {
        val stamp =
            when {
                found is Tagged -> found.stamp
                isInteger(found) -> (local.getNow(counterStampKey(key)) as? TagStamp) ?: return found
                else -> return found
            }
        if (tagVersions.isCurrentNow(stamp) != true) return NotNow
        return if (found is Tagged) found.value else found
    }

    /** Whether the entry [stored] at [key] carries a tag deleted since it was written. */
    private suspend fun isTagStale(route: Route, key: String, stored: Any): Boolean {
        val stamp =
            when {
                stored is Tagged -> stored.stamp
                isCounter(stored) -> counterStamp(route, key)
                stored is ByteArray -> route.serializer?.stampOf(key, stored)
                else -> null
            } ?: return false
        return !tagVersions.isCurrent(stamp)
    }

    /** The tags kept beside the counter at [key], if any. */
    private suspend fun counterStamp(route: Route, key: String): TagStamp? {
        val stampKey = counterStampKey(key)
        val stored = backendOf(route).get(stampKey) ?: return null
        return when (stored) {
            is TagStamp -> stored
            is ByteArray -> route.serializer?.stampOf(stampKey, stored)
            else -> null
        }
    }

    private suspend fun writeCounterStamp(route: Route, key: String, stamp: TagStamp, ttl: Duration?) {
        val stampKey = counterStampKey(key)
        route.tagsWritten = true
        val stored: Any = route.serializer?.encodeStamp(stampKey, stamp, ttl) ?: stamp
        backendOf(route).set(stampKey, stored, ttl, SetCondition.ALWAYS)
    }

    /**
     * Deletes [key] when what it holds carries a deleted tag, so that write commands (a conditional `set`, `incr`,
     * `expire`, `delete`) find it gone, as reads do; returns whether it did. Costs one read where tags may be kept
     * ([checksTags]), nothing elsewhere.
     */
    private suspend fun dropIfTagStale(route: Route, backend: Backend, key: String): Boolean {
        if (!checksTags(route)) return false
        val stored = backend.get(key) ?: return false
        if (!isTagStale(route, key, stored)) return false
        dropTagged(route, key, counter = isCounter(stored))
        return true
    }

    private fun isCounter(stored: Any): Boolean =
        isInteger(stored) || (stored is ByteArray && ValueSerializer.parseDecimal(stored) != null)

    /** Deletes an entry found to carry a deleted tag (and the tags beside a [counter]). */
    private suspend fun dropTagged(route: Route, key: String, counter: Boolean) {
        val backend = backendOf(route)
        backend.delete(key)
        if (counter) backend.delete(counterStampKey(key))
    }

    private fun decode(route: Route, key: String, stored: Any, type: () -> ValueType): Any? {
        val serializer = route.serializer ?: return unwrap(stored)
        return serializer.decode(key, stored, type)
    }

    /** A local copy decoded once per type (see [LocalCopy]); a copy of an absent key is a [Miss]. */
    private fun decodeCopy(route: Route, key: String, copy: LocalCopy, type: () -> ValueType): Any? {
        val stored = copy.stored ?: return Miss
        val decoded = copy.decodedFor(type)
        if (decoded !== LocalCopy.UNDECODED) return decoded
        return decode(route, key, stored, type).also { copy.remember(type, it) }
    }

    private fun encode(route: Route, key: String, value: Any?, type: () -> ValueType, ttl: Duration?): Any {
        val serializer = route.serializer ?: return value ?: NullValue
        return serializer.encode(key, value, type, ttl)
    }

    private fun unwrap(stored: Any?): Any? =
        when {
            stored == null -> Miss
            stored === NullValue -> null
            else -> stored
        }

    /**
     * Applies [change] to what stands between the cache and its backends, then rebuilds every route and publishes
     * them again through the volatile [routes], so every thread's next command sees the change.
     */
    internal fun <R> reconfigure(change: () -> R): R =
        synchronized(this) {
            val result = change()
            refreshRoutes()
            result
        }

    /**
     * Runs [block] in [element] (a block with a context-held effect: disabling, invalidate-further, a transaction)
     * while commands leave the direct path to read their coroutine context: the first such block to start takes them
     * off it, the last to end puts them back.
     */
    internal suspend fun <R> withControlsScope(element: CoroutineContext.Element, block: suspend () -> R): R {
        synchronized(this) { if (controls.enterScope()) refreshRoutes() }
        try {
            return withContext(element) { block() }
        } finally {
            synchronized(this) { if (controls.exitScope()) refreshRoutes() }
        }
    }

    private fun refreshRoutes() {
        for (route in routes) route.refresh()
        routes = routes.copyOf()
    }

    /** The routes whose prefix is [prefix], or every route when it is `null`. */
    internal fun routesFor(prefix: String?): List<Route> = routes.filter { prefix == null || it.prefix == prefix }

    /**
     * Where commands for [route] go from the current coroutine: the route's backend (or its command chain), or, inside
     * a [transaction] of this cache, that transaction's buffer over it.
     */
    internal suspend fun backendOf(route: Route): Backend {
        val backend = route.ready()
        if (!controls.scoped) return backend
        val transaction = currentCoroutineContext()[Transactions]?.of(controls) ?: return backend
        return transaction.bufferFor(route)
    }

    @PublishedApi
    internal fun route(key: String): Route {
        val current = routes
        for (route in current) if (key.startsWith(route.prefix)) return route
        throw noRoute(key, current)
    }

    // Out of line, so route() stays small enough for the JIT to inline into every hit.
    private fun noRoute(key: String, current: Array<Route>): NotConfiguredError =
        NotConfiguredError(
            if (current.isEmpty()) {
                "no backend is set up for key '$key': call setup(\"mem://\") (or another URL) first"
            } else {
                "no backend is set up for key '$key': prefixes are ${current.joinToString { "'${it.prefix}'" }}"
            },
        )

    /** Whether [kind] is disabled on [route] for the current coroutine: for good, at setup, or by a [disabling] block. */
    internal suspend fun commandDisabled(route: Route, kind: Command): Boolean =
        kind in route.disabled || controls.disabledInContext(route.prefix, kind)

    internal suspend inline fun <reified C : Any> capability(key: String, command: String): C =
        backendOf(route(key)).capability(command)

    private fun install(
        prefix: String,
        backend: Backend,
        settings: BackendSettings,
        codec: ValueCodec?,
        disabled: Boolean,
        interceptors: List<CacheInterceptor>,
        layer: String,
        shown: String,
    ) {
        val serializer = CodecSettings.serializer(settings, backend.storesObjects, codec)
        val unknown = settings.unread()
        if (unknown.isNotEmpty()) {
            throw SetupError(
                "unknown setup parameter${if (unknown.size > 1) "s" else ""} ${unknown.joinToString {
                    "'$it'"
                }} for '$shown'",
            )
        }
        val route = Route(prefix, backend, serializer, interceptors.toList(), layer, controls, disabled)
        if (backend is EvictingBackend) {
            backend.addEvictionListener { key ->
                if (events.reporting) events.eviction(key, layer)
            }
        }
        synchronized(this) {
            route.refresh() // against a reconfiguration since the route was built
            routes.firstOrNull { it.prefix == prefix }?.let { replaced += it.backend }
            routes =
                (routes.filter { it.prefix != prefix } + route).sortedByDescending { it.prefix.length }.toTypedArray()
        }
    }

    private fun settings(
        scheme: String,
        address: String,
        fromUrl: Map<String, String>,
        given: Map<String, Any?>,
    ): BackendSettings {
        val merged = LinkedHashMap(fromUrl)
        for ((name, value) in given) if (value != null) merged[name.lowercase()] = value.toString()
        return BackendSettings(scheme, address, merged, timeSource)
    }

    private fun disabled(settings: BackendSettings): Boolean =
        if (settings.string("disable") != null) {
            settings.boolean("disable", false)
        } else {
            !settings.boolean("enable", true)
        }

    /** [ttl] for a command that cannot mean "never expires": positive and finite, or [InvalidTtlError] saying [why]. */
    private fun finite(ttl: Duration, command: String, why: String): Duration {
        if (ttl.isInfinite()) throw InvalidTtlError("$command needs a finite TTL ($why); was $ttl")
        return Ttl.requirePositive(ttl)
    }

    private fun lockTtl(ttl: Duration): Duration =
        finite(ttl, "a lock", "a holder that crashes would block the key for ever")

    private fun checked(ttl: Duration?): Duration? =
        when {
            ttl == null -> null
            ttl.isInfinite() && ttl.isPositive() -> null
            else -> Ttl.requirePositive(ttl)
        }

    private fun steps(wait: Duration, step: Duration): Int =
        ((wait.inWholeNanoseconds + step.inWholeNanoseconds - 1) / step.inWholeNanoseconds)
            .coerceIn(
                0,
                Int.MAX_VALUE.toLong(),
            ).toInt()

    private fun checkBits(indexes: List<Int>, size: Int) {
        require(size in 1..MAX_BITS) { "counter size must be in 1..$MAX_BITS bits, was $size" }
        indexes.firstOrNull { it < 0 }?.let {
            throw IllegalArgumentException(
                "counter index must not be negative, was $it",
            )
        }
    }

    public companion object {
        /**
         * The default cache, like cashews' `cache`: not set up until you call [setup] on it, after which the top-level
         * strategy functions use it.
         */
        @JvmField
        public val Default: Cache = Cache()

        private val DEFAULT_STEP = 100.milliseconds
        private const val OUTAGE_FALLBACK_SIZE = 100_000
        private const val MATCH_BATCH = 100
        private const val MAX_BITS = 63

        private val builtInProviders: Map<String, BackendProvider> =
            MemoryBackendProvider().let { provider -> provider.schemes.associateWith { provider } }

        private val loadedProviders: Map<String, BackendProvider> by lazy {
            ServiceLoader
                .load(BackendProvider::class.java, Cache::class.java.classLoader)
                .flatMap { provider -> provider.schemes.map { it.lowercase() to provider } }
                .toMap()
        }

        /** Which artifact brings each scheme that core does not. */
        private val artifacts =
            mapOf(
                "redis" to "io.cashews:cashews-redis",
                "rediss" to "io.cashews:cashews-redis",
                "redis-cluster" to "io.cashews:cashews-redis",
                "disk" to "io.cashews:cashews-disk",
            )

        private fun providerFor(scheme: String): BackendProvider? = builtInProviders[scheme] ?: loadedProviders[scheme]

        private fun missingProvider(scheme: String, url: String): CacheError {
            val artifact = artifacts[scheme]
            return if (artifact != null) {
                BackendNotAvailableError("setup URL '$url' needs the '$scheme' backend: add $artifact to the classpath")
            } else {
                val known = (builtInProviders.keys + loadedProviders.keys).sorted().joinToString { "'$it'" }
                SetupError(
                    "setup URL '$url' has an unknown scheme '$scheme'; known schemes: $known, or '://' (disabled)",
                )
            }
        }
    }
}

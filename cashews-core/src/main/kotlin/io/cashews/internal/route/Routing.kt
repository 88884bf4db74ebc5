package io.cashews.internal.route

import io.cashews.AddPrefix
import io.cashews.Backend
import io.cashews.BackendNotAvailableError
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.Cache
import io.cashews.CacheError
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.EvictingBackend
import io.cashews.ImmediateReadBackend
import io.cashews.InvalidationBusBackend
import io.cashews.NotConfiguredError
import io.cashews.SetupError
import io.cashews.ValueCodec
import io.cashews.internal.chain.CommandControls
import io.cashews.internal.chain.withElement
import io.cashews.internal.events.CacheEvents
import io.cashews.internal.load.Coalescer
import io.cashews.internal.tx.Transactions
import io.cashews.internal.value.CodecSettings
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.currentCoroutineContext
import java.util.ServiceLoader
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.TimeSource

/**
 * The routing and setup layer: which backend each key goes to (the longest prefix it starts with), how a setup URL
 * becomes a backend, and what stands between the cache and each backend (see [Route]). Every change is published
 * through one volatile array, read once per command.
 */
internal class Routing(
    private val timeSource: TimeSource,
    private val controls: CommandControls,
    private val events: CacheEvents,
    /** Where backends run their background work (sweeps, probes): the cache's own scope. */
    private val scope: CoroutineScope,
) {
    @Volatile
    private var routes: Array<Route> = emptyArray()
        set(value) {
            field = value
            sole = value.singleOrNull()?.takeIf { it.prefix.isEmpty() }
        }

    /**
     * The one route when a single backend takes every key, the common setup: [route] answers it without reading the
     * key's characters or the array. Written after [routes], so a reader that sees it sees the routes' state too.
     */
    @Volatile
    private var sole: Route? = null
    private val replaced = ArrayList<Backend>()

    /** Every route, longest prefix first. */
    val all: Array<Route> get() = routes

    /** The route of [key]; [NotConfiguredError] when no backend is set up for it. */
    fun route(key: String): Route {
        sole?.let { return it }
        val current = routes
        for (route in current) if (key.startsWith(route.prefix)) return route
        throw noRoute(key, current)
    }

    /** The route of [key], or `null` when no backend is set up for it. */
    private fun routeOrNull(key: String): Route? = routes.firstOrNull { key.startsWith(it.prefix) }

    // Out of line, so route() stays small enough for the JIT to inline into every hit.
    private fun noRoute(key: String, current: Array<Route>): NotConfiguredError =
        NotConfiguredError(
            if (current.isEmpty()) {
                "no backend is set up for key '$key': call setup(\"mem://\") (or another URL) first"
            } else {
                "no backend is set up for key '$key': prefixes are ${current.joinToString { "'${it.prefix}'" }}"
            },
        )

    /** The routes whose prefix is [prefix], or every route when it is `null`. */
    fun routesFor(prefix: String?): List<Route> = routes.filter { prefix == null || it.prefix == prefix }

    /**
     * Where commands for [route] go from the current coroutine: the route's backend (or its command chain), or, inside
     * a transaction of this cache, that transaction's buffer over it.
     */
    suspend fun backendOf(route: Route): Backend {
        val backend = route.ready()
        if (!controls.scoped) {
            restoreDirectPaths()
            return backend
        }
        val transaction = currentCoroutineContext()[Transactions]?.of(controls) ?: return backend
        return transaction.bufferFor(route)
    }

    /** The backend of [key] as the capability [C] that [command] needs, or [io.cashews.UnsupportedCommandError]. */
    suspend inline fun <reified C : Any> capability(key: String, command: String): C =
        backendOf(route(key)).capability(command)

    /** Whether [kind] is disabled on [route] for the current coroutine: for good, at setup, or by a disabling block. */
    suspend fun commandDisabled(route: Route, kind: Command): Boolean =
        kind in route.disabled || controls.disabledInContext(route.prefix, kind)

    /**
     * Applies [change] to what stands between the cache and its backends, then rebuilds every route and publishes
     * them again through the volatile [routes], so every thread's next command sees the change.
     */
    fun <R> reconfigure(change: () -> R): R =
        synchronized(this) {
            val result = change()
            refreshRoutes()
            result
        }

    /**
     * Runs [block] in [element] (a block with a context-held effect: disabling, invalidate-further, a transaction)
     * while commands leave the direct path to read their coroutine context: the first such block to start takes them
     * off it, and the first command after the last one ends puts them back.
     */
    suspend fun <R> withControlsScope(element: CoroutineContext.Element, block: suspend () -> R): R {
        synchronized(this) { if (controls.enterScope()) leaveDirectPaths() }
        try {
            return withElement(element, block)
        } finally {
            // The direct paths come back with the next command that finds them gone (see restoreDirectPaths), not
            // here: back-to-back blocks (a transaction per request) would otherwise rebuild every route twice each.
            synchronized(this) { if (controls.exitScope()) directPathsGone = true }
        }
    }

    /**
     * Whether routes may still be off their direct paths for a block that has ended: every command that leaves the
     * direct path checks it ([restoreDirectPaths]).
     */
    @Volatile
    private var directPathsGone = false

    /** Takes every route off its direct path, for the first block to start; routes still off one stay as they are. */
    private fun leaveDirectPaths() {
        var changed = false
        for (route in routes) changed = route.refreshUnlessScoped() || changed
        if (changed) routes = routes.copyOf()
    }

    /** Puts routes back on their direct paths when the last block has ended since they left them. */
    fun restoreDirectPaths() {
        if (!directPathsGone) return
        synchronized(this) {
            if (directPathsGone && !controls.scoped) refreshRoutes()
        }
    }

    private fun refreshRoutes() {
        directPathsGone = false
        for (route in routes) route.refresh()
        routes = routes.copyOf()
    }

    /** Sets up the backend [url] describes under [prefix] (see [Cache.setup]). */
    fun setup(
        url: String,
        prefix: String,
        params: Map<String, Any?>,
        codec: ValueCodec?,
        interceptors: List<CacheInterceptor>,
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

    /** Sets up [backend], built by the caller, under [prefix] (see [Cache.setup]). */
    fun setup(
        backend: Backend,
        prefix: String,
        params: Map<String, Any?>,
        codec: ValueCodec?,
        interceptors: List<CacheInterceptor>,
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
        val keyPrefix = keyPrefix(settings)
        val coalesce = settings.boolean("coalesce", false)
        val refreshAfter = settings.duration("refresh_after", null, zeroMeansNone = true)
        val localTier =
            settings.string("local")?.let { raw ->
                if (backend is ImmediateReadBackend) {
                    throw SetupError(
                        "setup parameter 'local' puts a tier in memory in front of '$shown', which is in memory",
                    )
                }
                LocalTier.parse(raw, timeSource, backend as? InvalidationBusBackend)
            }
        val unknown = settings.unread()
        if (unknown.isNotEmpty()) {
            val names = unknown.joinToString { "'$it'" }
            throw SetupError("unknown setup parameter${if (unknown.size > 1) "s" else ""} $names for '$shown'")
        }
        // Innermost, so every other interceptor sees the keys as the cache's callers gave them.
        // The local tier first, so it sees the keys as the cache's callers gave them, as every process sharing the
        // backend does.
        val chain =
            listOfNotNull(localTier) + interceptors + listOfNotNull(keyPrefix?.let(::AddPrefix))
        val route = Route(prefix, backend, serializer, chain, layer, controls, disabled)
        route.localTier = localTier
        route.refreshAfter = refreshAfter
        // An in-memory backend answers a read without suspending: there is nothing to gather.
        if (coalesce && !route.readsWithoutSuspending) route.coalescedReads = coalescedReads(route)
        if (backend is EvictingBackend) {
            backend.addEvictionListener { key ->
                if (events.reporting) events.eviction(key, layer)
            }
        }
        synchronized(this) {
            route.refresh() // against a reconfiguration since the route was built
            routes.firstOrNull { it.prefix == prefix }?.let {
                replaced += it.backend
                it.closeTiers()
            }
            routes =
                (routes.filter { it.prefix != prefix } + route).sortedByDescending { it.prefix.length }.toTypedArray()
            for (kept in keptLocally) if (routeOrNull(kept.glob) === route) attach(route, kept)
        }
    }

    /** What a handle asked to keep locally: its keys' [glob], at most [size] of them, each for [ttl]. */
    private data class KeptLocally(val glob: String, val size: Long, val ttl: Duration)

    private val keptLocally = mutableListOf<KeptLocally>()

    /**
     * Keeps the keys [glob] matches (a handle's) in a local tier of [size] entries for [ttl], in front of the backend
     * they go to now and of any backend set up for them later. Where that backend is in memory, or its setup URL
     * already has a tier for every key, there is nothing to add. A second handle of the same keys shares the tier;
     * asking for another size or TTL for them is refused.
     */
    fun keepLocally(glob: String, size: Long, ttl: Duration) {
        val asked = KeptLocally(glob, size, ttl)
        synchronized(this) {
            val same = keptLocally.firstOrNull { it.glob == glob }
            if (same != null) {
                if (same == asked) return
                throw SetupError(
                    "the keys '$glob' are already kept locally as ${same.size}:${same.ttl}, not $size:$ttl",
                )
            }
            keptLocally += asked
            routeOrNull(glob)?.let { attach(it, asked) }
        }
    }

    private fun attach(route: Route, kept: KeptLocally) {
        if (route.readsWithoutSuspending || route.localTier != null) return
        val bus = route.backend as? InvalidationBusBackend
        route.addTier(LocalTier(kept.size, kept.ttl, timeSource, bus, kept.glob))
    }

    /** One `getMany` for the single reads of [route] that arrive together (see [Route.coalescedReads]). */
    private fun coalescedReads(route: Route): Coalescer<String, Any?> =
        Coalescer(
            scope,
            loadAll = { keys ->
                val values = route.ready().getMany(keys)
                keys.indices.associate { keys[it] to values[it] }
            },
            // One read in flight: under load each MGET carries every read that arrived during the one before.
            maxInFlight = 1,
            loadOne = { key -> route.ready().get(key) },
        )

    private fun settings(
        scheme: String,
        address: String,
        fromUrl: Map<String, String>,
        given: Map<String, Any?>,
    ): BackendSettings {
        val merged = LinkedHashMap(fromUrl)
        for ((name, value) in given) if (value != null) merged[name.lowercase()] = value.toString()
        return BackendSettings(scheme, address, merged, timeSource, scope)
    }

    /**
     * `key_prefix`, stored in front of every key of the backend ([AddPrefix]), or `client_side_prefix`, the
     * reference's name for it on a client-side Redis cache.
     */
    private fun keyPrefix(settings: BackendSettings): String? {
        val given =
            listOf("key_prefix", "client_side_prefix").mapNotNull { name ->
                settings.string(name)?.let {
                    name to
                        it
                }
            }
        if (given.size > 1) {
            throw SetupError("give 'key_prefix' or 'client_side_prefix' (its name in the reference), not both")
        }
        val (name, prefix) = given.firstOrNull() ?: return null
        if (prefix.isEmpty()) throw SetupError("setup parameter '$name' is empty")
        return prefix
    }

    private fun disabled(settings: BackendSettings): Boolean =
        if (settings.string("disable") != null) {
            settings.boolean("disable", false)
        } else {
            !settings.boolean("enable", true)
        }

    /** Takes every backend out (the cache has none afterwards) and answers them, replaced ones included, to close. */
    fun removeAll(): List<Backend> =
        synchronized(this) {
            val closing = routes.map { it.backend } + replaced
            for (route in routes) route.closeTiers()
            routes = emptyArray()
            replaced.clear()
            closing
        }

    override fun toString(): String = routes.joinToString { "'${it.prefix}' -> ${it.backend}" }

    private companion object {
        val builtInProviders: Map<String, BackendProvider> =
            MemoryBackendProvider().let { provider -> provider.schemes.associateWith { provider } }

        val loadedProviders: Map<String, BackendProvider> by lazy {
            ServiceLoader
                .load(BackendProvider::class.java, Cache::class.java.classLoader)
                .flatMap { provider -> provider.schemes.map { it.lowercase() to provider } }
                .toMap()
        }

        /** Which artifact brings each scheme that core does not. */
        val artifacts =
            mapOf(
                "redis" to "io.cashews:cashews-redis",
                "rediss" to "io.cashews:cashews-redis",
                "redis-cluster" to "io.cashews:cashews-redis",
                "disk" to "io.cashews:cashews-disk",
            )

        fun providerFor(scheme: String): BackendProvider? = builtInProviders[scheme] ?: loadedProviders[scheme]

        fun missingProvider(scheme: String, url: String): CacheError {
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

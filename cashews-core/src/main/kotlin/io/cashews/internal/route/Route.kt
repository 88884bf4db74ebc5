@file:OptIn(InternalCacheApi::class)

package io.cashews.internal.route

import io.cashews.Backend
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.CommandObserver
import io.cashews.ImmediateReadBackend
import io.cashews.ImmediateWriteBackend
import io.cashews.InternalCacheApi
import io.cashews.LocalCopyBackend
import io.cashews.MemoryBackend
import io.cashews.RememberedKey
import io.cashews.internal.chain.CommandControls
import io.cashews.internal.chain.Pipeline
import io.cashews.internal.load.Coalescer
import io.cashews.internal.value.ValueSerializer
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.util.EnumSet
import kotlin.time.Duration

/**
 * One backend of a cache under a key prefix, with what the cache needs to use it: the serializer when it stores
 * bytes, its own interceptors, the commands disabled on it, and its one-time initialisation.
 */
internal class Route(
    val prefix: String,
    val backend: Backend,
    val serializer: ValueSerializer?,
    /** The route's own interceptors, from its setup: see [interceptors]. */
    own: List<CacheInterceptor>,
    /** What metrics and logs call this backend: its URL scheme, or its class for a backend built by hand. */
    val layer: String,
    private val controls: CommandControls,
    disabledAtSetup: Boolean,
) {
    /** The commands disabled on this backend (copy on write). */
    @Volatile
    var disabled: Set<Command> = if (disabledAtSetup) ALL_COMMANDS else NO_COMMANDS
        private set

    /**
     * What commands go to: the backend itself, or a [Pipeline] through interceptors, the disable check and
     * callbacks when any of them is in use.
     */
    @Volatile
    var pipeline: Backend = backend
        private set

    /** Whether the backend answers reads without suspending ([ImmediateReadBackend]): reads there are not shared. */
    val readsWithoutSuspending: Boolean = backend is ImmediateReadBackend

    /**
     * The in-memory backend to read without suspending, once initialised, only when values are stored as objects
     * and nothing stands between the cache and the backend but [observers]: the cache's hit path. `null` sends reads
     * through the general path.
     *
     * Deliberately not volatile: the cache publishes every change through its volatile routes array, which each
     * command reads first; a reader that still sees `null` takes the general path once, which is correct.
     */
    var local: ImmediateReadBackend? = null
        private set

    /** The backend as an [ImmediateWriteBackend], under the same conditions as [local]; published the same way. */
    var localWrites: ImmediateWriteBackend? = null
        private set

    /** [local] when no [observers] watch its reads, so a hit calls it with nothing in between; published the same way. */
    var unobserved: ImmediateReadBackend? = null
        private set

    /**
     * The byte backend's local copies ([LocalCopyBackend]) to read without suspending, under the same conditions
     * as [local]; published the same way.
     */
    var copies: LocalCopyBackend? = null
        private set

    /**
     * Whether this process has stored a tagged value or a counter's tags here. For the in-memory backend, which no
     * other process shares, `false` proves there is nothing tagged to check, so untagged caches pay nothing for tags.
     */
    @Volatile
    var tagsWritten: Boolean = false

    /**
     * Whether counters read from here may have tags kept beside them ([TagVersions.counterStampKey]): always for a
     * byte backend, which other processes may share; for an object backend only once this process tagged something.
     */
    val mayHoldCounterTags: Boolean get() = serializer != null || tagsWritten

    /**
     * Where the versions of tags routed here are kept when this is an in-memory backend: a store of their own with
     * the same bound, so that tag versions never take the values' slots (with a tag per key they would take half).
     * A version evicted from it only costs misses of the values written under it (see [TagVersions]).
     */
    val tagVersionStore: MemoryBackend? by lazy(LazyThreadSafetyMode.PUBLICATION) {
        (backend as? MemoryBackend)?.let { MemoryBackend(size = it.size, checkInterval = null) }
    }

    /**
     * With `coalesce=true` on a backend that suspends to read: the single reads of every caller that arrive together,
     * sent as one [Backend.getMany] (one `MGET`). Set once when the route is installed, before it is published.
     */
    var coalescedReads: Coalescer<String, Any?>? = null

    /** With `local=size:ttl`: the tier in this process in front of the backend, first of [interceptors]. */
    var localTier: LocalTier? = null

    /**
     * The local tiers of handles whose keys come here ([Routing.keepLocally]), then the setup's interceptors (its own
     * tier first).
     */
    @Volatile
    var interceptors: List<CacheInterceptor> = own
        private set

    /** Puts [tier] in front of this route's interceptors. */
    @Synchronized
    fun addTier(tier: LocalTier) {
        interceptors = listOf(tier) + interceptors
        built = null
        refresh()
    }

    /** Stops every local tier here (the setup's and the handles') from hearing the other processes. */
    fun closeTiers() {
        for (interceptor in interceptors) if (interceptor is LocalTier) interceptor.close()
    }

    /**
     * With `refresh_after`: `cached` calls here serve a value older than this while one refresh runs (see
     * [io.cashews.CachedPolicy.refreshingAfter]). Their hits then take the strategy path, so [local] stays `null`.
     */
    var refreshAfter: Duration? = null
        set(value) {
            field = value
            refresh()
        }

    @Volatile
    var initialised: Boolean = false
        private set
    private val initLock = Mutex()

    init {
        refresh()
    }

    /** Whether every command is disabled here, so nothing may touch the backend (not even to initialise it). */
    val fullyDisabled: Boolean get() = disabled.size == ALL_COMMANDS.size

    /** Where commands go, with the backend initialised exactly once however many callers arrive together. */
    suspend fun ready(): Backend = if (initialised || fullyDisabled) pipeline else initialisedPipeline()

    private suspend fun initialisedPipeline(): Backend {
        initialise()
        return pipeline
    }

    /** Initialises the backend if that has not happened yet. */
    suspend fun initialise() {
        if (initialised) return
        initLock.withLock {
            if (!initialised) {
                backend.init()
                initialised = true
                refresh()
            }
        }
    }

    /** Disables [commands] (all when empty). The cache republishes its routes afterwards. */
    fun disable(commands: Collection<Command>) {
        disabled = if (commands.isEmpty()) ALL_COMMANDS else copyOf(disabled + commands)
        refresh()
    }

    /** Enables [commands] again (all when empty). */
    fun enable(commands: Collection<Command>) {
        disabled = if (commands.isEmpty()) NO_COMMANDS else copyOf(disabled - commands.toSet())
        refresh()
    }

    /**
     * Rebuilds [pipeline] and [local] from the current state. Synchronized and reading that state inside, so the last
     * refresh to run always reflects the last change, whichever thread made it.
     */
    @Synchronized
    fun refresh() {
        builtScoped = controls.scoped
        val direct = !builtScoped && controls.direct && interceptors.isEmpty() && disabled.isEmpty()
        val watching = if (direct) null else observersOnly()
        pipeline = if (direct) backend else currentPipeline()
        observers = watching ?: NO_OBSERVERS
        local =
            if ((direct || watching != null) && initialised && serializer == null && refreshAfter == null) {
                backend as? ImmediateReadBackend
            } else {
                null
            }
        unobserved = if (watching == null) local else null
        localWrites = if (direct && initialised && serializer == null) backend as? ImmediateWriteBackend else null
        copies =
            if (direct && initialised && serializer != null &&
                refreshAfter == null
            ) {
                backend as? LocalCopyBackend
            } else {
                null
            }
    }

    /** Whether the last [refresh] saw a context-held block running, so this route is off its direct path. */
    private var builtScoped = false

    /**
     * [refresh] unless the last one already saw a context-held block running: answers whether it refreshed. Under
     * this route's lock, so a refresh running meanwhile (a backend's first use) is either seen or sees the block.
     */
    @Synchronized
    fun refreshUnlessScoped(): Boolean {
        if (builtScoped) return false
        refresh()
        return true
    }

    /**
     * The interceptors in the way of a read when every one of them is a [CommandObserver] (the cache-wide ones, then
     * this route's), nothing is disabled and no callback or block runs: [readNow] then answers in-memory hits with
     * them, without the chain. Empty when nothing is in the way; published with [local], like it.
     */
    var observers: Array<CommandObserver> = NO_OBSERVERS
        private set

    private fun observersOnly(): Array<CommandObserver>? {
        if (!disabled.isEmpty() || controls.callbacks.isNotEmpty() || builtScoped) return null
        val all = controls.interceptors + interceptors
        if (all.isEmpty() || all.any { it !is CommandObserver }) return null
        return Array(all.size) { all[it] as CommandObserver }
    }

    /** [ImmediateReadBackend.getNow] of [key] on [local], seen by the [observers]. */
    fun readNow(local: ImmediateReadBackend, key: String): Any? {
        val watching = observers
        return if (watching.isEmpty()) local.getNow(key) else observedRead(watching, 0, local, key, null)
    }

    /** [readNow] of a key a face keeps, on an in-memory backend: the observers see its text, as for any read. */
    fun readNow(local: MemoryBackend, remembered: RememberedKey): Any? {
        val watching = observers
        return if (watching.isEmpty()) {
            local.getNow(remembered)
        } else {
            observedRead(watching, 0, local, remembered.key, remembered)
        }
    }

    // Out of line, so readNow stays small enough to inline into every hit. Each observer's start value stays in its
    // own frame: no array per read, however many observers there are.
    private fun observedRead(
        watching: Array<CommandObserver>,
        at: Int,
        local: ImmediateReadBackend,
        key: String,
        remembered: RememberedKey?,
    ): Any? {
        if (at == watching.size) {
            return if (remembered != null && local is MemoryBackend) local.getNow(remembered) else local.getNow(key)
        }
        val observer = watching[at]
        val started = observer.onStart(Command.GET, key, layer)
        val found =
            try {
                observedRead(watching, at + 1, local, key, remembered)
            } catch (e: Throwable) {
                observer.onEnd(Command.GET, key, layer, started, e)
                throw e
            }
        observer.onEnd(Command.GET, key, layer, started, null)
        return found
    }

    private var built: Pipeline? = null

    /** The pipeline for the current cache-wide interceptors, reused while they stay the same list. */
    private fun currentPipeline(): Pipeline {
        val reusable = built
        if (reusable != null && reusable.builtFrom === controls.interceptors) return reusable
        return Pipeline(this, controls).also { built = it }
    }

    private companion object {
        val NO_OBSERVERS: Array<CommandObserver> = emptyArray()
        val ALL_COMMANDS: Set<Command> = EnumSet.allOf(Command::class.java)
        val NO_COMMANDS: Set<Command> = EnumSet.noneOf(Command::class.java)

        fun copyOf(commands: Set<Command>): Set<Command> =
            if (commands.isEmpty()) NO_COMMANDS else EnumSet.copyOf(commands)
    }
}

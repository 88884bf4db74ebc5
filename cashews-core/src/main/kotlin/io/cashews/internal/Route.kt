package io.cashews.internal

import io.cashews.Backend
import io.cashews.MemoryBackend
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/**
 * One backend of a cache under a key prefix, with what the cache needs to use it: the serializer when it stores
 * bytes, whether it is disabled, and its one-time initialisation.
 */
internal class Route(
    val prefix: String,
    val backend: Backend,
    val serializer: ValueSerializer?,
    val disabled: Boolean,
) {
    /** What commands go to: the backend, or the neutral backend when disabled. */
    val target: Backend = if (disabled) NeutralBackend else backend

    /**
     * The in-memory backend to read without suspending, once initialised and only when values are stored as
     * objects: the cache's hit path. `null` sends reads through the general path.
     *
     * Deliberately not volatile: a reader that still sees `null` takes the general path once, which is correct, and
     * the backend it points to was fully built before this route was published through the cache's volatile routes.
     */
    var local: MemoryBackend? = null
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

    @Volatile
    private var initialised = disabled
    private val initLock = Mutex()

    /** The target backend, initialised exactly once however many callers arrive together. */
    suspend fun ready(): Backend {
        if (!initialised) {
            initLock.withLock {
                if (!initialised) {
                    backend.init()
                    initialised = true
                    if (serializer == null && backend is MemoryBackend) local = backend
                }
            }
        }
        return target
    }
}

package io.cashews.internal.load

import io.cashews.CacheEventListener
import io.cashews.GlobPattern
import kotlin.time.Duration

/** A listener told only the events of keys [keys] matches: what [io.cashews.CachedFunction.listen] registers. */
internal class HandleListener(
    private val listener: CacheEventListener,
    private val keys: GlobPattern,
) : CacheEventListener {
    override fun onHit(key: String, strategy: String) {
        if (keys.matches(key)) listener.onHit(key, strategy)
    }

    override fun onMiss(key: String, strategy: String) {
        if (keys.matches(key)) listener.onMiss(key, strategy)
    }

    override fun onLoad(key: String, strategy: String, duration: Duration) {
        if (keys.matches(key)) listener.onLoad(key, strategy, duration)
    }

    override fun onLoadFailure(key: String, strategy: String, error: Throwable, duration: Duration) {
        if (keys.matches(key)) listener.onLoadFailure(key, strategy, error, duration)
    }

    override fun onStaleServed(key: String, strategy: String) {
        if (keys.matches(key)) listener.onStaleServed(key, strategy)
    }

    override fun onPut(key: String, strategy: String) {
        if (keys.matches(key)) listener.onPut(key, strategy)
    }

    override fun onEviction(key: String, layer: String) {
        if (keys.matches(key)) listener.onEviction(key, layer)
    }
}

package io.cashews.internal.events

import io.cashews.BreakerState
import io.cashews.CacheEventListener
import io.cashews.Rejection
import io.cashews.StatsRecorder
import org.slf4j.LoggerFactory
import java.util.Collections
import java.util.IdentityHashMap
import kotlin.time.Duration

/**
 * Hands strategy and backend events to the stats counters (while `recordStats` is on) and to the registered
 * [CacheEventListener]s, shielding the cache from listeners that throw.
 */
internal class CacheEvents(
    private val stats: StatsRecorder,
) {
    @Volatile
    private var listeners: Array<CacheEventListener> = emptyArray()

    @Volatile
    var recordStats: Boolean = false
        set(value) {
            field = value
            update()
        }

    /** Whether anything listens: the one check strategies make before reporting. */
    @Volatile
    var reporting: Boolean = false
        private set

    private val complained: MutableSet<CacheEventListener> =
        Collections.synchronizedSet(
            Collections.newSetFromMap(IdentityHashMap()),
        )

    @Synchronized
    fun add(listener: CacheEventListener) {
        listeners += listener
        update()
    }

    @Synchronized
    fun remove(listener: CacheEventListener): Boolean {
        val before = listeners.size
        listeners = listeners.filter { it !== listener }.toTypedArray()
        update()
        return listeners.size < before
    }

    private fun update() {
        reporting = recordStats || listeners.isNotEmpty()
    }

    fun hit(key: String, strategy: String) {
        if (recordStats) stats.hit(strategy)
        each { it.onHit(key, strategy) }
    }

    fun miss(key: String, strategy: String) {
        if (recordStats) stats.miss(strategy)
        each { it.onMiss(key, strategy) }
    }

    fun load(key: String, strategy: String, duration: Duration) {
        if (recordStats) stats.load(strategy)
        each { it.onLoad(key, strategy, duration) }
    }

    fun loadFailure(key: String, strategy: String, error: Throwable, duration: Duration) {
        if (recordStats) {
            stats.load(strategy)
            stats.loadFailure(strategy)
        }
        each { it.onLoadFailure(key, strategy, error, duration) }
    }

    fun stale(key: String, strategy: String) {
        if (recordStats) stats.stale(strategy)
        each { it.onStaleServed(key, strategy) }
    }

    fun put(key: String, strategy: String) = each { it.onPut(key, strategy) }

    fun eviction(key: String, layer: String) = each { it.onEviction(key, layer) }

    fun rejected(key: String, reason: Rejection) = each { it.onRejected(key, reason) }

    fun warmUp(name: String, done: Long, total: Long) = each { it.onWarmUp(name, done, total) }

    fun breaker(key: String, from: BreakerState, to: BreakerState) = each { it.onBreakerStateChanged(key, from, to) }

    private inline fun each(report: (CacheEventListener) -> Unit) {
        for (listener in listeners) {
            try {
                report(listener)
            } catch (e: Throwable) {
                if (complained.add(
                        listener,
                    )
                ) {
                    log.warn("cache event listener {} threw; it is called on regardless", listener, e)
                }
            }
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(CacheEvents::class.java)
    }
}

package io.cashews

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeoutOrNull
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration

/**
 * The waiters of this process for lock releases, for backends that implement [LockReleaseBackend]: a backend opens
 * watches through it and calls [released] when it learns of a release (its own unlock, or a notice from another
 * process). One release wakes every watch of the key that is open at that moment.
 */
public class LockReleaseSignals : LockReleaseBackend {
    private val watches = ConcurrentHashMap<String, MutableSet<Watch>>()

    override fun watchRelease(key: String): LockReleaseWatch {
        val watch = Watch(key)
        watches.compute(key) { _, open -> (open ?: ConcurrentHashMap.newKeySet()).apply { add(watch) } }
        return watch
    }

    /** Wakes every watch open on [key]. */
    public fun released(key: String) {
        watches.remove(key)?.forEach { it.heard.complete(Unit) }
    }

    /** Wakes every watch on every key: for when releases may have been missed (a reconnect, a flush). */
    public fun releasedAll() {
        for (key in watches.keys) released(key)
    }

    private inner class Watch(
        private val key: String,
    ) : LockReleaseWatch {
        val heard = CompletableDeferred<Unit>()

        override suspend fun await(timeout: Duration): Boolean = withTimeoutOrNull(timeout) { heard.await() } != null

        override fun close() {
            watches.computeIfPresent(key) { _, open -> open.apply { remove(this@Watch) }.ifEmpty { null } }
        }
    }
}

package io.cashews.ktor.server.internal

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import java.util.concurrent.ConcurrentHashMap

/**
 * Recomputations that requests force (`no-cache`, `max-age=0`), shared per key: the first request of a key runs its
 * handler, and requests forcing the same key meanwhile get that response instead of running theirs, so clients
 * cannot multiply the handler's work by sending the directive together. Each waiter gets what the leading run
 * produced or threw; when the leading request is cancelled (its client went away), a waiter leads instead.
 */
internal class SharedRecompute {
    private val running = ConcurrentHashMap<String, CompletableDeferred<StoredResponse>>()

    suspend fun share(key: String, recompute: suspend () -> StoredResponse): StoredResponse {
        val mine = CompletableDeferred<StoredResponse>()
        while (true) {
            val leading = running.putIfAbsent(key, mine) ?: break
            try {
                return leading.await()
            } catch (e: CancellationException) {
                // The leader was cancelled, not this request (checked here): try to lead.
                currentCoroutineContext().ensureActive()
            }
        }
        try {
            return recompute().also { mine.complete(it) }
        } catch (e: Throwable) {
            mine.completeExceptionally(e)
            throw e
        } finally {
            running.remove(key, mine)
        }
    }
}

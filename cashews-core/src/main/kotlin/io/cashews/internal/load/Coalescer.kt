package io.cashews.internal.load

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.cancellation.CancellationException

/**
 * Gathers the single-key calls that arrive before its flush runs into one batch (DataLoader's pattern): the first
 * caller schedules the flush on the cache's dispatcher, every caller until it runs joins, and the flush answers them
 * all from one [loadAll]. An id [loadAll] leaves out is loaded on its own by [loadOne].
 *
 * Each caller gets [loadAll]'s own result or exception object, never a copy. A cancelled caller stops waiting; the
 * batch goes on for the others.
 */
internal class Coalescer<A, R>(
    private val scope: CoroutineScope,
    private val loadAll: suspend (List<A>) -> Map<A, R>,
    private val loadOne: suspend (A) -> R,
) {
    private val lock = Any()
    private var gathering: LinkedHashMap<A, Waiter<R>>? = null

    private class Waiter<R> {
        @Volatile
        var outcome: Result<R>? = null
        val done = CompletableDeferred<Unit>()

        fun finish(result: Result<R>) {
            outcome = result
            done.complete(Unit)
        }
    }

    /** The value for [id], from the batch being gathered now. */
    suspend fun get(id: A): R {
        var first = false
        val waiter =
            synchronized(lock) {
                val batch =
                    gathering ?: LinkedHashMap<A, Waiter<R>>().also {
                        gathering = it
                        first = true
                    }
                batch.getOrPut(id) { Waiter() }
            }
        // Dispatched on the caller's own dispatcher, not run here: the callers that arrive before that dispatcher runs
        // it (on an event loop: every caller started in the same turn) join this batch.
        if (first) scope.launch(currentCoroutineContext()[ContinuationInterceptor] ?: EmptyCoroutineContext) { flush() }
        waiter.done.join()
        return waiter.outcome!!.getOrThrow()
    }

    private suspend fun flush() {
        val batch = synchronized(lock) { gathering.also { gathering = null } } ?: return
        val answers =
            try {
                loadAll(batch.keys.toList())
            } catch (e: Throwable) {
                for (waiter in batch.values) waiter.finish(Result.failure(e))
                if (e is CancellationException) throw e
                return
            }
        for ((id, waiter) in batch) {
            if (answers.containsKey(id)) {
                @Suppress("UNCHECKED_CAST")
                waiter.finish(Result.success(answers[id] as R))
            } else {
                scope.launch { waiter.finish(runCatching { loadOne(id) }) }
            }
        }
    }
}

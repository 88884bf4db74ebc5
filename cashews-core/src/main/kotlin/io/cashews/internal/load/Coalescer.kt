package io.cashews.internal.load

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.cancellation.CancellationException

/**
 * Gathers single-key calls into batches (DataLoader's pattern): the first caller schedules a flush on its own
 * dispatcher, the flush yields once so that the callers already queued there join, and then answers them all from
 * one [loadAll]. At most [maxInFlight] batches run at once: the callers that arrive meanwhile wait for the next, so
 * under load each batch carries every caller that came during the one before. An id [loadAll] leaves out is loaded on
 * its own by [loadOne].
 *
 * Each caller gets [loadAll]'s own result or exception object, never a copy. A cancelled caller stops waiting; the
 * batch goes on for the others.
 */
internal class Coalescer<A, R>(
    private val scope: CoroutineScope,
    private val loadAll: suspend (List<A>) -> Map<A, R>,
    private val maxInFlight: Int = Int.MAX_VALUE,
    private val loadOne: suspend (A) -> R,
) {
    private val lock = Any()
    private var gathering = LinkedHashMap<A, Waiter<R>>()
    private var scheduled = false
    private var inFlight = 0

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
        val schedule: Boolean
        val waiter =
            synchronized(lock) {
                schedule = !scheduled && inFlight < maxInFlight
                if (schedule) scheduled = true
                gathering.getOrPut(id) { Waiter() }
            }
        if (schedule) launchFlush(currentCoroutineContext()[ContinuationInterceptor])
        waiter.done.join()
        return waiter.outcome!!.getOrThrow()
    }

    private fun launchFlush(dispatcher: ContinuationInterceptor?) {
        scope
            .launch(dispatcher ?: EmptyCoroutineContext) { flush(dispatcher) }
            // A flush that never ran (the cache was closed) must not leave its callers waiting forever.
            .invokeOnCompletion { cause ->
                if (cause != null) abandon(IllegalStateException("the cache stopped before this batch ran", cause))
            }
    }

    /** Fails every caller still gathered, and lets the next caller schedule a flush again. */
    private fun abandon(cause: Throwable) {
        val left =
            synchronized(lock) {
                scheduled = false
                gathering.also { gathering = LinkedHashMap() }
            }
        for (waiter in left.values) waiter.finish(Result.failure(cause))
    }

    private suspend fun flush(dispatcher: ContinuationInterceptor?) {
        // The callers queued on this dispatcher behind the flush run first, and join.
        yield()
        val batch =
            synchronized(lock) {
                scheduled = false
                inFlight++
                gathering.also { gathering = LinkedHashMap() }
            }
        try {
            if (batch.isNotEmpty()) answer(batch)
        } finally {
            val next =
                synchronized(lock) {
                    inFlight--
                    val more = gathering.isNotEmpty() && !scheduled
                    if (more) scheduled = true
                    more
                }
            if (next) launchFlush(dispatcher)
        }
    }

    private suspend fun answer(batch: Map<A, Waiter<R>>) {
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

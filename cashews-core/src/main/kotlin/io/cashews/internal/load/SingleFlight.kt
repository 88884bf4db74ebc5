package io.cashews.internal.load

import io.cashews.ReentrantLoadError
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.cancellation.CancellationException

/**
 * One load per key at a time, shared by every caller that arrives while it runs.
 *
 * - The load runs in [scope] (the cache's own), with the first caller's context elements (MDC, tracing) but not
 *   its job: cancelling that caller only stops it waiting; the load and the other waiters go on.
 * - When every waiter has been cancelled, nobody wants the result any more and the load is cancelled.
 * - Waiters get the load's own result or its own exception object (never a wrapper or a copy).
 * - A load that asks for a key it is itself loading fails at once with [ReentrantLoadError].
 * - [invalidate] marks loads whose result must no longer be stored, because the key was deleted meanwhile.
 */
internal class SingleFlight(
    private val scope: CoroutineScope,
) {
    private val flights = ConcurrentHashMap<String, Flight<*>>()

    /** A load in progress. */
    class Flight<T>(
        val key: String,
    ) {
        /** Completed once [outcome] is set. */
        val done = CompletableDeferred<Unit>()

        @Volatile
        var outcome: Result<T>? = null
        lateinit var job: Job

        /** Set when the key is invalidated during the load: its result is returned but not kept. */
        @Volatile
        var invalidated = false

        /**
         * Set by a load that first reads the cache when the read found nothing and it went on to load, so each of
         * its waiters can tell a shared read's hit from a shared load.
         */
        @Volatile
        var loaded = false

        // A miss the load reported before loading, on behalf of whichever waiter claims it afterwards.
        private val earlyMiss = AtomicBoolean()

        /** Records that the load has reported one waiter's miss itself, so events read miss, load, put. */
        fun missReportedEarly() = earlyMiss.set(true)

        /** Whether this waiter's miss was the one reported early; true for one waiter at most. */
        fun claimEarlyMiss(): Boolean = earlyMiss.compareAndSet(true, false)

        // Waiters still interested; 0 means the flight is closed to newcomers.
        private val waiters = AtomicInteger(1)

        fun enter(): Boolean {
            while (true) {
                val current = waiters.get()
                if (current <= 0) return false
                if (waiters.compareAndSet(current, current + 1)) return true
            }
        }

        fun leave(): Int = waiters.decrementAndGet()
    }

    /** Runs [load] for [key], or joins the load already running for it. */
    suspend fun <T> run(key: String, load: suspend (Flight<T>) -> T): T =
        // getOrThrow throws the load's own exception object: every waiter sees exactly what the loader threw.
        await(key, load).outcome!!.getOrThrow()

    /** [run], answering the finished flight itself, so a waiter can also read what the load did. */
    suspend fun <T> await(key: String, load: suspend (Flight<T>) -> T): Flight<T> {
        val context = currentCoroutineContext()
        val loading = context[LoadingKeys]
        // The marker alone is not enough: a coroutine started by a loader may outlive the load it was started in.
        if (loading != null && key in loading.keys && flights.containsKey(key)) {
            throw ReentrantLoadError("the load of key '$key' asked for '$key' again; it would wait for itself forever")
        }
        val flight = join(key, context, loading, load)
        try {
            flight.done.join()
        } catch (e: CancellationException) {
            if (flight.leave() == 0 && !flight.done.isCompleted) {
                flights.remove(key, flight)
                flight.job.cancel()
            }
            throw e
        }
        flight.leave()
        return flight
    }

    /** Marks the running load of [key], if any, so its result is not stored. */
    fun invalidate(key: String) {
        flights[key]?.invalidated = true
    }

    /** Marks every running load whose key [matches]. */
    fun invalidateMatching(matches: (String) -> Boolean) {
        for ((key, flight) in flights) if (matches(key)) flight.invalidated = true
    }

    private fun <T> join(
        key: String,
        context: CoroutineContext,
        loading: LoadingKeys?,
        load: suspend (Flight<T>) -> T,
    ): Flight<T> {
        while (true) {
            @Suppress("UNCHECKED_CAST")
            val running = flights[key] as Flight<T>?
            if (running != null) {
                if (running.enter()) return running
                flights.remove(key, running) // closed by its last waiter's cancellation
                continue
            }
            val flight = Flight<T>(key)
            if (flights.putIfAbsent(key, flight) != null) continue
            val loadContext = context.minusKey(Job) + LoadingKeys((loading?.keys ?: emptySet()) + key)
            flight.job =
                scope.launch(loadContext, start = CoroutineStart.UNDISPATCHED) {
                    try {
                        flight.outcome = Result.success(load(flight))
                    } catch (e: Throwable) {
                        flight.outcome = Result.failure(e)
                    } finally {
                        flights.remove(key, flight)
                        flight.done.complete(Unit)
                    }
                }
            return flight
        }
    }

    /** The keys the current coroutine is loading, to catch a load that asks for its own key. */
    private class LoadingKeys(
        val keys: Set<String>,
    ) : AbstractCoroutineContextElement(LoadingKeys) {
        companion object Key : CoroutineContext.Key<LoadingKeys>
    }
}

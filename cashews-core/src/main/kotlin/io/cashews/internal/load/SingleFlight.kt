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
 * - A batch ([awaitAll]) loads every key nobody is loading in one run and joins the flights of the others, so
 *   overlapping batches and single-key callers never load one key twice. A single-key caller whose key the batch's
 *   loader left out loads it itself.
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

        /** Stops the load once nobody waits for this key: cancels it, or tells the batch it is part of. */
        var abandon: () -> Unit = { job.cancel() }

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
        while (true) {
            val flight = join(key, context, loading, load)
            waitFor(flight)
            // A batch's loader had no value for the key: this caller's own loader may have one.
            if (flight.outcome?.exceptionOrNull() !== OMITTED) return flight
        }
    }

    /**
     * One batch load of [keys] (distinct): joins the flight of each key already loading, and runs [load] once, in
     * [scope], for all the others, which it owns. [load] sets each owned flight's [Flight.outcome] (after storing its
     * value); a flight it leaves without one was omitted by the loader, and if [load] fails, every owned flight without
     * an outcome fails with its exception. Answers every key's finished flight, in the order of [keys]; an omitted
     * key's outcome is [isOmitted]. Cancelling the caller stops the load once no other caller waits for any of its
     * keys.
     */
    suspend fun <T> awaitAll(keys: List<String>, load: suspend (owned: List<Flight<T>>) -> Unit): List<Flight<T>> {
        val context = currentCoroutineContext()
        val loading = context[LoadingKeys]
        val all = ArrayList<Flight<T>>(keys.size)
        val owned = ArrayList<Flight<T>>()
        // Checked before any key is claimed: a claimed key must be loaded, or its other waiters wait forever.
        for (key in keys) {
            if (loading != null && key in loading.keys && flights.containsKey(key)) {
                throw ReentrantLoadError(
                    "the load of key '$key' asked for '$key' again; it would wait for itself forever",
                )
            }
        }
        for (key in keys) all += joinOrClaim(key, owned)
        if (owned.isNotEmpty()) startBatch(owned, context, loading, load)
        for ((i, flight) in all.withIndex()) {
            try {
                waitFor(flight)
            } catch (e: CancellationException) {
                for (j in i + 1 until all.size) leaveUnfinished(all[j])
                throw e
            }
        }
        return all
    }

    /** Waits for [flight] to finish as one of its waiters; the last waiter to be cancelled abandons the load. */
    private suspend fun waitFor(flight: Flight<*>) {
        try {
            flight.done.join()
        } catch (e: CancellationException) {
            leaveUnfinished(flight)
            throw e
        }
        flight.leave()
    }

    /** Stops waiting for [flight]; the last waiter to leave before it finishes abandons its load. */
    private fun leaveUnfinished(flight: Flight<*>) {
        if (flight.leave() == 0 && !flight.done.isCompleted) {
            flights.remove(flight.key, flight)
            flight.abandon()
        }
    }

    /** The running flight of [key], joined, or a new one registered for the caller to start, added to [owned]. */
    private fun <T> joinOrClaim(key: String, owned: MutableList<Flight<T>>): Flight<T> {
        while (true) {
            @Suppress("UNCHECKED_CAST")
            val running = flights[key] as Flight<T>?
            if (running != null) {
                if (running.enter()) return running
                flights.remove(key, running)
                continue
            }
            val flight = Flight<T>(key)
            if (flights.putIfAbsent(key, flight) == null) {
                owned += flight
                return flight
            }
        }
    }

    private fun <T> startBatch(
        owned: List<Flight<T>>,
        context: CoroutineContext,
        loading: LoadingKeys?,
        load: suspend (owned: List<Flight<T>>) -> Unit,
    ) {
        val loadContext = context.minusKey(Job) + LoadingKeys((loading?.keys ?: emptySet()) + owned.map { it.key })
        // The batch runs while any of its keys has a waiter: each key's last cancelled waiter takes one away.
        val wanted = AtomicInteger(owned.size)
        val job =
            scope.launch(loadContext, start = CoroutineStart.LAZY) {
                try {
                    load(owned)
                    for (flight in owned) if (flight.outcome == null) flight.outcome = Result.failure(OMITTED)
                } catch (e: Throwable) {
                    for (flight in owned) if (flight.outcome == null) flight.outcome = Result.failure(e)
                } finally {
                    for (flight in owned) {
                        flights.remove(flight.key, flight)
                        flight.done.complete(Unit)
                    }
                }
            }
        for (flight in owned) {
            flight.loaded = true
            flight.job = job
            flight.abandon = { if (wanted.decrementAndGet() == 0) job.cancel() }
        }
        job.start()
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

    internal companion object {
        /** The outcome of a key a batch's loader left out of its answer. */
        private val OMITTED: Throwable = BatchOmission()

        /** Whether [outcome] is that of a key a batch's loader left out. */
        fun isOmitted(outcome: Result<*>): Boolean = outcome.exceptionOrNull() === OMITTED
    }

    private class BatchOmission : Throwable("left out by the batch loader", null, false, false)

    /** The keys the current coroutine is loading, to catch a load that asks for its own key. */
    private class LoadingKeys(
        val keys: Set<String>,
    ) : AbstractCoroutineContextElement(LoadingKeys) {
        companion object Key : CoroutineContext.Key<LoadingKeys>
    }
}

package io.cashews.test

import io.cashews.Backend
import io.cashews.BackendUnavailableError
import io.cashews.Command
import io.cashews.MemoryBackend
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.update
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration

/**
 * A backend whose chosen commands fail, answer late, or hang until released: outages and slow servers on demand,
 * in any test, without a real server. Commands without a fault go to [delegate] (by default an in-memory backend).
 *
 * ```
 * val backend = FaultyBackend()
 * backend.fail(Command.GET)                       // every GET throws BackendUnavailableError
 * backend.slowDown(2.seconds, Command.SET)        // every SET answers two seconds late
 * val held = backend.hold(Command.SET)            // every SET waits…
 * held.awaitArrivals(1); held.release()           // …until the test lets it through
 * backend.heal()                                  // back to normal
 * ```
 *
 * Delays use the caller's clock: under `runTest` they pass in virtual time.
 */
public class FaultyBackend(
    delegate: Backend = MemoryBackend(),
) : ForwardingBackend(delegate) {
    private val faults = ConcurrentHashMap<Command, Fault>()

    private sealed interface Fault

    private class Failing(
        val error: (Command, String?) -> Throwable,
    ) : Fault

    private class Late(
        val by: Duration,
    ) : Fault

    private class Held(
        val hold: Hold,
    ) : Fault

    /** Calls held at [hold]'s commands until [release]: a latch for tests, counting who arrived and who gave up. */
    public class Hold internal constructor() {
        private val gate = CompletableDeferred<Unit>()
        private val arrivals = MutableStateFlow(0)
        private val cancellations = MutableStateFlow(0)

        /** How many calls have reached the hold so far. */
        public val arrived: Int get() = arrivals.value

        /** How many held calls were cancelled while they waited. */
        public val cancelled: Int get() = cancellations.value

        /** Suspends until at least [count] calls have reached the hold. */
        public suspend fun awaitArrivals(count: Int) {
            arrivals.first { it >= count }
        }

        /** Suspends until at least [count] held calls have been cancelled. */
        public suspend fun awaitCancellations(count: Int) {
            cancellations.first { it >= count }
        }

        /** Lets every held call, and every later one, through. */
        public fun release() {
            gate.complete(Unit)
        }

        internal suspend fun pass() {
            arrivals.update { it + 1 }
            try {
                gate.await()
            } catch (e: CancellationException) {
                cancellations.update { it + 1 }
                throw e
            }
        }
    }

    /** Makes [commands] (every command when none is given) throw what [error] builds, an outage by default. */
    public fun fail(
        vararg commands: Command,
        error: (command: Command, key: String?) -> Throwable = { command, key ->
            BackendUnavailableError("${command.name} ${key ?: ""} failed: the backend is down (injected)")
        },
    ) {
        set(commands, Failing(error))
    }

    /** Makes [commands] (every command when none is given) answer [by] late. */
    public fun slowDown(by: Duration, vararg commands: Command) {
        require(by.isPositive()) { "a delay must be positive, was $by" }
        set(commands, Late(by))
    }

    /** Holds [commands] (every command when none is given) until the returned [Hold] is released. */
    public fun hold(vararg commands: Command): Hold = Hold().also { set(commands, Held(it)) }

    /** Removes every fault (held calls stay held until their [Hold] is released). */
    public fun heal() {
        faults.clear()
    }

    private fun set(commands: Array<out Command>, fault: Fault) {
        for (command in commands.ifEmpty { Command.entries.toTypedArray() }) faults[command] = fault
    }

    override suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R {
        when (val fault = faults[command]) {
            null -> {}

            is Failing -> {
                throw fault.error(command, key)
            }

            is Late -> {
                delay(fault.by)
            }

            is Held -> {
                fault.hold.pass()
            }
        }
        return call()
    }
}

package io.cashews.test

import io.cashews.Backend
import io.cashews.Command
import io.cashews.MemoryBackend
import java.util.concurrent.ConcurrentLinkedQueue

/**
 * A backend that records every command that reaches [delegate] (by default an in-memory backend): the proof that
 * something reached the backend, or that it did not. Thread-safe; [calls] lists them in arrival order.
 */
public class RecordingBackend(
    delegate: Backend = MemoryBackend(),
) : ForwardingBackend(delegate) {
    /** One command as it reached the backend: its [command] and its [key] (the first key of a batch). */
    public class Call(
        /** Which command. */
        public val command: Command,
        /** Its key, the first of a batch, a scan's pattern, or `null` for whole-backend commands. */
        public val key: String?,
    ) {
        override fun toString(): String = if (key == null) command.name else "${command.name} $key"
    }

    private val recorded = ConcurrentLinkedQueue<Call>()

    /** The commands recorded so far, oldest first. */
    public val calls: List<Call> get() = recorded.toList()

    /** How many commands were recorded, of [commands] only when any are given. */
    public fun count(vararg commands: Command): Int =
        if (commands.isEmpty()) recorded.size else recorded.count { it.command in commands }

    /** Forgets what was recorded. */
    public fun reset() {
        recorded.clear()
    }

    override suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R {
        recorded += Call(command, key)
        return call()
    }
}

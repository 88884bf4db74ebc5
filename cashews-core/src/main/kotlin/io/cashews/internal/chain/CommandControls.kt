package io.cashews.internal.chain

import io.cashews.CacheCommand
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.CommandCallback
import io.cashews.InvalidatingFurther
import kotlinx.coroutines.currentCoroutineContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/**
 * What a cache puts between itself and every backend: cache-wide interceptors, callbacks, and the blocks whose
 * effect lives in a coroutine context ([DisablingScope], transactions, invalidate-further). While none is in use,
 * routes call their backends directly ([direct]).
 */
internal class CommandControls {
    /** Whether the current coroutine runs in an [io.cashews.invalidateFurther] block of the cache owning these. */
    suspend fun invalidatingFurther(): Boolean =
        scoped && currentCoroutineContext()[InvalidatingFurther]?.controls === this

    @Volatile
    var interceptors: List<CacheInterceptor> = emptyList()

    @Volatile
    var callbacks: List<RegisteredCallback> = emptyList()

    /** Blocks running with a context-held effect on this cache; guarded by the cache's reconfiguration lock. */
    private var scopes = 0

    /** Whether any context-held block runs, so commands must look at their coroutine context. */
    @Volatile
    var scoped: Boolean = false
        private set

    /** Whether backends can be called directly: nothing cache-wide to run around a command. */
    val direct: Boolean get() = interceptors.isEmpty() && callbacks.isEmpty() && !scoped

    /** Counts a block in; returns whether it is the first, so routes must be rebuilt. */
    fun enterScope(): Boolean {
        scopes++
        scoped = true
        return scopes == 1
    }

    /** Counts a block out; returns whether it was the last, so routes must be rebuilt. */
    fun exitScope(): Boolean {
        scopes--
        scoped = scopes > 0
        return scopes == 0
    }

    /** Whether the current coroutine runs inside a [DisablingScope] of this cache disabling [kind] on [prefix]. */
    suspend fun disabledInContext(prefix: String, kind: Command): Boolean {
        if (!scoped) return false
        var scope = currentCoroutineContext()[DisablingScope]
        while (scope != null) {
            if (scope.controls === this && scope.disables(prefix, kind)) return true
            scope = scope.parent
        }
        return false
    }

    suspend fun <R> fireCallbacks(command: CacheCommand<R>, result: R) {
        val registered = callbacks
        if (registered.isEmpty()) return
        for (entry in registered) {
            if (entry.commands.isEmpty() || command.kind in entry.commands) entry.callback.onCommand(command, result)
        }
    }
}

/** A callback registered for the duration of a block, for [commands] (all when empty). */
internal class RegisteredCallback(
    val commands: Set<Command>,
    val callback: CommandCallback,
)

/** Commands disabled for the coroutines of one block and their children, chained to the enclosing blocks' scopes. */
internal class DisablingScope(
    val controls: CommandControls,
    private val prefix: String?,
    private val commands: Set<Command>,
    val parent: DisablingScope?,
) : AbstractCoroutineContextElement(DisablingScope) {
    fun disables(routePrefix: String, kind: Command): Boolean =
        (prefix == null || prefix == routePrefix) && (commands.isEmpty() || kind in commands)

    companion object Key : CoroutineContext.Key<DisablingScope>
}

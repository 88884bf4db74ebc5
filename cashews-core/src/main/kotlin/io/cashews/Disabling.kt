package io.cashews

import io.cashews.internal.DisablingScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.withContext
import kotlin.coroutines.CoroutineContext

/**
 * Runs [block] with [commands] (every command when none is given) disabled on [prefix]'s backend, or on every
 * backend when `null`, for the coroutines of the block only: coroutines it starts inherit the effect, the caller
 * and every other coroutine are unaffected, and nothing is left disabled afterwards. Disabled commands answer as
 * [Cache.disable] describes.
 *
 * ```
 * cache.disabling(Command.GET) { user(42) }   // reads nothing from the cache: loads, and stores the result
 * ```
 */
public suspend fun <R> Cache.disabling(
    vararg commands: Command,
    prefix: String? = null,
    block: suspend () -> R,
): R {
    val parent = currentCoroutineContext()[DisablingScope]
    return withControlsScope(DisablingScope(controls, prefix, commands.toSet(), parent), block)
}

/**
 * Runs [block] in [element] while the cache routes every command through its command chain, which reads the
 * coroutine context (see [io.cashews.internal.CommandControls.scoped]). The first such block to start makes commands
 * leave the direct path; the last to end restores it.
 */
internal suspend fun <R> Cache.withControlsScope(element: CoroutineContext.Element, block: suspend () -> R): R {
    enterControlsScope()
    try {
        return withContext(element) { block() }
    } finally {
        exitControlsScope()
    }
}

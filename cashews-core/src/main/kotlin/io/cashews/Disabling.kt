package io.cashews

import io.cashews.internal.chain.DisablingScope
import kotlinx.coroutines.currentCoroutineContext

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

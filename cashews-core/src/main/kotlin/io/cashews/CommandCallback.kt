package io.cashews

import io.cashews.internal.chain.RegisteredCallback

/** Told of each command a backend answered while a [Cache.callback] block runs. */
public fun interface CommandCallback {
    /**
     * Called after [command] succeeded on its backend with [result] (a miss of [CacheCommand.Get] is a `null`
     * result). Awaited before the command returns: keep it short. An exception it throws fails the command's caller.
     */
    public suspend fun onCommand(command: CacheCommand<*>, result: Any?)
}

/**
 * Runs [block] with [callback] told of every command of [commands] (all commands when none is given) that any
 * backend of this cache answers while the block runs, from any coroutine. Disabled commands are not reported (they
 * never reach a backend). Registered for the block only; the cache returns to its direct path afterwards.
 *
 * ```
 * val written = mutableListOf<String>()
 * cache.callback(Command.SET, callback = { command, _ -> written += command.keys }) { importUsers() }
 * ```
 */
public suspend fun <R> Cache.callback(
    vararg commands: Command,
    callback: CommandCallback,
    block: suspend () -> R,
): R {
    val registered = RegisteredCallback(commands.toSet(), callback)
    routing.reconfigure { controls.callbacks += registered }
    try {
        return block()
    } finally {
        routing.reconfigure { controls.callbacks -= registered }
    }
}

package io.cashews.java

import io.cashews.CacheCommand
import io.cashews.CommandCallback

/**
 * A [CommandCallback] written in Java, for `JavaCache.callback`: told of each command a backend answered while the
 * block runs.
 *
 * ```java
 * List<String> written = new CopyOnWriteArrayList<>();
 * jc.callback(EnumSet.of(Command.SET), (command, result) -> written.addAll(command.getKeys()), () -> importUsers());
 * ```
 */
public fun interface JavaCommandCallback {
    /**
     * Called on the thread that ran [command], after it succeeded with [result] (a miss of [CacheCommand.Get] is
     * `null`), before the command's caller gets the result: keep it short. An exception it throws fails the
     * command's caller.
     */
    public fun onCommand(command: CacheCommand<*>, result: Any?)
}

/** The [CommandCallback] that calls a [JavaCommandCallback]. */
internal class JavaCommandCallbackAdapter(
    private val callback: JavaCommandCallback,
) : CommandCallback {
    override suspend fun onCommand(command: CacheCommand<*>, result: Any?) {
        callback.onCommand(command, result)
    }
}

package io.cashews.internal.route

import io.cashews.Backend
import io.cashews.UnsupportedCommandError

/**
 * This backend as the capability [C] that [command] needs, or an [UnsupportedCommandError] naming the command, the
 * capability and [shown] (the backend as users know it, when this one wraps it).
 */
internal inline fun <reified C : Any> Backend.capability(command: String, shown: Any = this): C =
    this as? C
        ?: throw UnsupportedCommandError("$command needs ${C::class.simpleName}, which $shown does not implement")

package io.cashews

import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.withContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/**
 * Values that key templates can read as `{@name}`, set for a block and the coroutines it starts (a request's
 * tenant or client id, for example). Nested contexts merge, the inner value winning.
 */
public class KeyContext(
    /** The values by name. */
    public val values: Map<String, Any?>,
) : AbstractCoroutineContextElement(KeyContext) {
    /** The key of [KeyContext] in a coroutine context. */
    public companion object Key : CoroutineContext.Key<KeyContext>
}

/** Runs [block] with [values] added to the key context. */
public suspend fun <R> withKeyContext(vararg values: Pair<String, Any?>, block: suspend () -> R): R {
    val outer = currentCoroutineContext()[KeyContext]?.values ?: emptyMap()
    return withContext(KeyContext(outer + values)) { block() }
}

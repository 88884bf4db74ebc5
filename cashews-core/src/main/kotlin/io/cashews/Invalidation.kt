package io.cashews

import io.cashews.internal.chain.CommandControls
import kotlinx.coroutines.currentCoroutineContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/**
 * Runs [block] and, once it has returned normally, deletes every entry [key] renders to with [args] (and the
 * current [KeyContext]): the write-side partner of a strategy cached under the same template. A placeholder
 * without a value in [args] matches anything, so one call can drop a family of keys. [prefix] is the strategy's
 * prefix (`"early"`, `"soft"`, `"fail"`, `"hit"`, or your own), as the strategy was given it. When [block] throws,
 * nothing is deleted and the exception propagates.
 *
 * ```
 * val userKey = KeyTemplate.of("user:{id}:{lang}")
 * suspend fun rename(id: Long, name: String) =
 *     cache.invalidate(userKey, mapOf("id" to id)) { repo.rename(id, name) }   // drops user:42:* of every lang
 * ```
 */
public suspend fun <R> Cache.invalidate(
    key: KeyTemplate,
    args: Map<String, Any?> = emptyMap(),
    prefix: String = "",
    block: suspend () -> R,
): R {
    val result = block()
    val context = currentCoroutineContext()[KeyContext]?.values ?: emptyMap()
    deleteMatch(strategyKey(prefix, key.toGlob(args, context)))
    return result
}

/** [invalidate] with the key template as a string. */
public suspend fun <R> Cache.invalidate(
    key: String,
    args: Map<String, Any?> = emptyMap(),
    prefix: String = "",
    block: suspend () -> R,
): R = invalidate(KeyTemplate.of(key), args, prefix, block)

/**
 * Runs [block] with every read of this cache replaced by a delete: `get`, `getMany` and `getMatch` (and so every
 * strategy) delete what they would have read and answer a miss, so cached calls inside recompute and store fresh
 * values. Writes are unaffected; `incr` too, as it is a write. Coroutines started inside inherit the effect;
 * nothing outside the block is affected.
 *
 * ```
 * cache.invalidateFurther { dashboard(userId) }   // recomputes every cached piece of the dashboard
 * ```
 */
public suspend fun <R> Cache.invalidateFurther(block: suspend () -> R): R =
    withControlsScope(InvalidatingFurther(controls), block)

/** Marks the coroutines of an [invalidateFurther] block of the cache owning [controls]. */
internal class InvalidatingFurther(
    val controls: CommandControls,
) : AbstractCoroutineContextElement(InvalidatingFurther) {
    companion object Key : CoroutineContext.Key<InvalidatingFurther>
}

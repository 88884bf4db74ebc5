package io.cashews.internal.load

import io.cashews.InternalCacheApi
import io.cashews.KeyContext
import io.cashews.KeyTemplate
import io.cashews.RememberedKey
import io.cashews.StrategyPolicy
import io.cashews.internal.keys.KeyMemo
import kotlinx.coroutines.currentCoroutineContext

/**
 * The storage keys of a function handle: its key template rendered with the call's arguments bound to [names], behind
 * the policy's prefix.
 *
 * Rendering a key allocates, so keys of arguments of immutable value types are remembered ([KeyMemo]): a call whose
 * arguments were seen before finds its key without allocating. Templates that read the [KeyContext] are rendered on
 * every call, since their keys depend on the calling coroutine.
 */
internal class HandleKeys(
    private val policy: StrategyPolicy,
    val template: KeyTemplate,
    val names: List<String>,
    /** Whether the handle uses the cache at all: a disabled one remembers nothing, so its calls take the slow path. */
    enabled: Boolean = true,
) {
    // One check on the hit path for both reasons a key is rendered on every call.
    private val neverRemembers = template.readsContext || !enabled

    private val memo = KeyMemo { a, b, c, _ -> policy.storageKey(template.render(values(a, b, c), emptyMap())) }

    /** The storage key for the arguments [a], [b], [c] (unused ones `null`). */
    @OptIn(InternalCacheApi::class)
    suspend fun key(a: Any?, b: Any?, c: Any?): String = remembered(a, b, c)?.key ?: render(a, b, c)

    /** How many keys the memo holds now. */
    val size: Int get() = memo.size

    /**
     * The storage key for [a], [b], [c] without suspending, from the memo or rendered into it; `null` when it cannot
     * be remembered (a template reading the [KeyContext], an argument of a mutable type).
     */
    @OptIn(InternalCacheApi::class)
    fun remembered(a: Any?, b: Any?, c: Any?): RememberedKey? =
        if (neverRemembers) null else memo.remembered(a, b, c, null)

    private suspend fun render(a: Any?, b: Any?, c: Any?): String {
        val context = currentCoroutineContext()[KeyContext]?.values ?: emptyMap()
        return policy.storageKey(template.render(values(a, b, c), context))
    }

    /** The arguments by parameter name, as templates and tags read them. */
    fun values(a: Any?, b: Any?, c: Any?): Map<String, Any?> =
        when (names.size) {
            0 -> emptyMap()
            1 -> mapOf(names[0] to a)
            2 -> mapOf(names[0] to a, names[1] to b)
            else -> mapOf(names[0] to a, names[1] to b, names[2] to c)
        }

    /** A glob matching every key of the handle (its template with every placeholder a `*`), behind the prefix. */
    val glob: String get() = policy.storageKey(template.toGlob())
}

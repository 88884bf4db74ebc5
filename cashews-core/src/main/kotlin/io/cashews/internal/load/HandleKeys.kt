package io.cashews.internal.load

import io.cashews.KeyContext
import io.cashews.KeyTemplate
import io.cashews.StrategyPolicy
import kotlinx.coroutines.currentCoroutineContext
import java.util.UUID

/**
 * The storage keys of a function handle: its key template rendered with the call's arguments bound to [names], behind
 * the policy's prefix.
 *
 * Rendering a key allocates, so keys of up to three arguments of immutable value types (strings, numbers, booleans,
 * characters, enums, UUIDs, `null`) are remembered in a table of two candidate slots per key: a call whose arguments
 * are already there finds its key without allocating. A slot holds one immutable entry, replaced whole when another key
 * lands on it, so readers on any thread see either entry complete (final fields) and need no lock. Templates that
 * read the [KeyContext] are rendered on every call, since their keys depend on the calling coroutine.
 */
internal class HandleKeys(
    private val policy: StrategyPolicy,
    val template: KeyTemplate,
    val names: List<String>,
) {
    private val slots = arrayOfNulls<Entry>(SLOTS)

    private class Entry(
        val a: Any?,
        val b: Any?,
        val c: Any?,
        val key: String,
    ) {
        fun holds(a: Any?, b: Any?, c: Any?): Boolean = this.a == a && this.b == b && this.c == c
    }

    /** The storage key for the arguments [a], [b], [c] (unused ones `null`). */
    suspend fun key(a: Any?, b: Any?, c: Any?): String = remembered(a, b, c) ?: render(a, b, c)

    /**
     * The storage key for [a], [b], [c] without suspending, from the table or rendered into it; `null` when it
     * cannot be remembered (a template reading the [KeyContext], an argument of a mutable type).
     */
    fun remembered(a: Any?, b: Any?, c: Any?): String? {
        if (template.readsContext || !stable(a) || !stable(b) || !stable(c)) return null
        val hash = a.hashCode() * 961 + b.hashCode() * 31 + c.hashCode()
        // Two candidate slots per key: a hot key collides with another hot key far less often than in one.
        val first = spread(hash) and (SLOTS - 1)
        val firstEntry = slots[first]
        if (firstEntry != null && firstEntry.holds(a, b, c)) return firstEntry.key
        val second = spread(hash * GOLDEN) and (SLOTS - 1)
        val secondEntry = slots[second]
        if (secondEntry != null && secondEntry.holds(a, b, c)) return secondEntry.key
        val key = policy.storageKey(template.render(values(a, b, c), emptyMap()))
        val replaceFirst = firstEntry == null || (secondEntry != null && (hash and 1) == 0)
        slots[if (replaceFirst) first else second] = Entry(a, b, c, key)
        return key
    }

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

    private fun stable(value: Any?): Boolean =
        value == null || value is String || value is Long || value is Int || value is Short || value is Byte ||
            value is Boolean || value is Char || value is Double || value is Float || value is Enum<*> ||
            value is UUID

    private fun spread(hash: Int): Int = hash xor (hash ushr 16)

    private companion object {
        /** Slots of the key table (a power of two): 64 KiB of references, filled only as keys are used. */
        const val SLOTS = 1 shl 14

        /** Fibonacci hashing's multiplier, for the second slot. */
        const val GOLDEN = -0x61c88647
    }
}

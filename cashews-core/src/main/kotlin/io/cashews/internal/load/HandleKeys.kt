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
 * characters, enums, UUIDs, `null`) are remembered: a call whose arguments were seen before finds its key without
 * allocating. The memo is an open-addressing table that doubles as keys arrive, up to [MAX_SLOTS] slots (half of them
 * used); past that, a new key takes the slot of an old one where it can, and is otherwise rendered on each call.
 * Entries are immutable (final fields) and a grown table is published through a volatile field, so readers on any
 * thread need no lock and see either a complete entry or none; writers, which only run when a key is rendered anyway,
 * take the table's lock. Templates that read the [KeyContext] are rendered on every call, since their keys depend on
 * the calling coroutine.
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

    @Volatile
    private var slots = arrayOfNulls<Entry>(INITIAL_SLOTS)
    private var used = 0

    private class Entry(
        val a: Any?,
        val b: Any?,
        val c: Any?,
        val hash: Int,
        val key: String,
    ) {
        fun holds(a: Any?, b: Any?, c: Any?): Boolean = this.a == a && this.b == b && this.c == c
    }

    /** The storage key for the arguments [a], [b], [c] (unused ones `null`). */
    suspend fun key(a: Any?, b: Any?, c: Any?): String = remembered(a, b, c) ?: render(a, b, c)

    /** How many keys the memo holds now. */
    val size: Int get() = synchronized(this) { used }

    /**
     * The storage key for [a], [b], [c] without suspending, from the memo or rendered into it; `null` when it cannot
     * be remembered (a template reading the [KeyContext], an argument of a mutable type).
     */
    fun remembered(a: Any?, b: Any?, c: Any?): String? {
        if (neverRemembers || !stable(a) || !stable(b) || !stable(c)) return null
        val hash = spread(a.hashCode() * 961 + b.hashCode() * 31 + c.hashCode())
        val table = slots
        val mask = table.size - 1
        var index = hash and mask
        // Probes stop at an empty slot: entries are never removed, only replaced, so a key's run has no holes.
        for (probe in 0 until MAX_PROBES) {
            val entry = table[index] ?: break
            if (entry.hash == hash && entry.holds(a, b, c)) return entry.key
            index = (index + 1) and mask
        }
        val key = policy.storageKey(template.render(values(a, b, c), emptyMap()))
        remember(Entry(a, b, c, hash, key))
        return key
    }

    private fun remember(entry: Entry) {
        synchronized(this) {
            while (true) {
                val table = slots
                val full = (used + 1) * 2 > table.size
                if (full && table.size < MAX_SLOTS) {
                    slots = grown(table)
                    continue
                }
                val placed = if (full) Placed.NO_ROOM else place(table, entry)
                if (placed == Placed.NO_ROOM && table.size < MAX_SLOTS) {
                    // A run longer than a lookup reads: a larger table spreads it.
                    slots = grown(table)
                    continue
                }
                when (placed) {
                    Placed.ADDED -> {
                        used++
                    }

                    Placed.PRESENT -> {}

                    Placed.NO_ROOM -> {
                        // The largest table is half used: the key takes its home slot from an older key, which is
                        // rendered again when it returns. An empty home stays empty, so the table stays half used.
                        val home = entry.hash and (table.size - 1)
                        if (table[home] != null) table[home] = entry
                    }
                }
                return
            }
        }
    }

    private enum class Placed { ADDED, PRESENT, NO_ROOM }

    /** Puts [entry] within [MAX_PROBES] slots of its home in [table], where a lookup will find it. */
    private fun place(
        table: Array<Entry?>,
        entry: Entry,
    ): Placed {
        val mask = table.size - 1
        var index = entry.hash and mask
        repeat(MAX_PROBES) {
            val present = table[index]
            if (present == null) {
                table[index] = entry
                return Placed.ADDED
            }
            if (present.hash == entry.hash && present.holds(entry.a, entry.b, entry.c)) return Placed.PRESENT
            index = (index + 1) and mask
        }
        return Placed.NO_ROOM
    }

    /** A table of twice the size with the entries of [table]; one that finds no room within reach is dropped. */
    private fun grown(table: Array<Entry?>): Array<Entry?> {
        val larger = arrayOfNulls<Entry>(table.size * 2)
        for (entry in table) {
            if (entry != null && place(larger, entry) == Placed.NO_ROOM) used--
        }
        return larger
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

    private fun spread(hash: Int): Int = (hash * GOLDEN).let { it xor (it ushr 16) }

    private companion object {
        const val INITIAL_SLOTS = 64

        /** The largest memo: 2^18 slots (1 MiB of references), so up to 131 072 keys per handle are remembered. */
        const val MAX_SLOTS = 1 shl 18

        /** Slots a lookup reads before it renders the key instead (a long run only forms once the memo is full). */
        const val MAX_PROBES = 8

        /** Fibonacci hashing's multiplier, so that keys differing in their low bits spread over the table. */
        const val GOLDEN = -0x61c88647
    }
}

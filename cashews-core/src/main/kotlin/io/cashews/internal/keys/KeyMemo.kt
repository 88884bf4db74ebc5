package io.cashews.internal.keys

import io.cashews.InternalCacheApi
import io.cashews.RememberedKey
import java.util.UUID

/**
 * Rendered keys remembered by up to four arguments, so that a call whose arguments were seen before finds its key
 * without allocating: the memo of function handles and of positional [io.cashews.KeyTemplate] calls.
 *
 * Only arguments of immutable value types (strings, numbers, booleans, characters, enums, UUIDs, `null`) are
 * remembered, since a mutable argument may render differently next time. The memo is an open-addressing table that
 * doubles as keys arrive, up to [MAX_SLOTS] slots (half of them used); past that, a new key takes the slot of an old
 * one where it can, and is otherwise rendered on each call. Entries are immutable (final fields) and a grown table is
 * published through a volatile field, so readers on any thread need no lock and see either a complete entry or none;
 * writers, which only run when a key is rendered anyway, take the table's lock.
 */
@OptIn(InternalCacheApi::class)
internal class KeyMemo(
    /** Renders the key of four arguments (unused ones `null`), the first time they are seen. */
    private val render: (Any?, Any?, Any?, Any?) -> String,
) {
    @Volatile
    private var slots = arrayOfNulls<Entry>(INITIAL_SLOTS)
    private var used = 0

    /** A remembered key, found by its arguments: an in-memory backend remembers the entry it read through it. */
    private class Entry(
        val a: Any?,
        val b: Any?,
        val c: Any?,
        val d: Any?,
        val hash: Int,
        key: String,
    ) : RememberedKey(key) {
        fun holds(a: Any?, b: Any?, c: Any?, d: Any?): Boolean =
            this.a == a && this.b == b && this.c == c && this.d == d
    }

    /** How many keys the memo holds now. */
    val size: Int get() = synchronized(this) { used }

    /**
     * The key of [a], [b], [c], [d] without suspending, from the memo or rendered into it; `null` when one of them is
     * of a type that cannot be remembered.
     */
    fun remembered(a: Any?, b: Any?, c: Any?, d: Any?): RememberedKey? {
        if (!stable(a) || !stable(b) || !stable(c) || !stable(d)) return null
        val hash = spread(((a.hashCode() * 31 + b.hashCode()) * 31 + c.hashCode()) * 31 + d.hashCode())
        val table = slots
        val mask = table.size - 1
        var index = hash and mask
        // Probes stop at an empty slot: entries are never removed, only replaced, so a key's run has no holes.
        for (probe in 0 until MAX_PROBES) {
            val entry = table[index] ?: break
            if (entry.hash == hash && entry.holds(a, b, c, d)) return entry
            index = (index + 1) and mask
        }
        val entry = Entry(a, b, c, d, hash, render(a, b, c, d))
        remember(entry)
        return entry
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
            if (present.hash == entry.hash && present.holds(entry.a, entry.b, entry.c, entry.d)) return Placed.PRESENT
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

    private fun stable(value: Any?): Boolean =
        value == null || value is String || value is Long || value is Int || value is Short || value is Byte ||
            value is Boolean || value is Char || value is Double || value is Float || value is Enum<*> ||
            value is UUID

    private fun spread(hash: Int): Int = (hash * GOLDEN).let { it xor (it ushr 16) }

    private companion object {
        const val INITIAL_SLOTS = 64

        /** The largest memo: 2^18 slots (1 MiB of references), so up to 131 072 keys are remembered. */
        const val MAX_SLOTS = 1 shl 18

        /** Slots a lookup reads before it renders the key instead (a long run only forms once the memo is full). */
        const val MAX_PROBES = 8

        /** Fibonacci hashing's multiplier, so that keys differing in their low bits spread over the table. */
        const val GOLDEN = -0x61c88647
    }
}

package io.cashews

import io.cashews.java.SharedCompletedFuture
import java.util.concurrent.CompletableFuture

/**
 * A key a face keeps and reads again and again: a Spring cache keeps one per key it has seen, and function handles and
 * positional key templates one per arguments they have seen (their key memo), so a hit does not render the key's text
 * again. On an in-memory backend it also remembers the entry it found, so the next read of that entry skips the
 * lookup by name: one hash probe (the face's, by its own key) instead of two. A remembered entry is read only while
 * the backend still holds it; replaced, deleted, evicted or expired, it is looked up again.
 *
 * Safe to share between threads: a read that races another fills in the same entry or a newer one.
 */
@InternalCacheApi
public open class RememberedKey(
    /** The key's text, as every command takes it. */
    public val key: String,
) {
    /**
     * The entry an in-memory backend found at [key] last, or `null`; only that backend reads it (see its getNow).
     * Volatile, so that [answeredWith] sees the backend [forget] it.
     */
    @Volatile
    @JvmField
    internal var entry: Any? = null

    /** The future a Java face answered this key's last hit with: see [answeredWith]. */
    @Volatile
    internal var answered: SharedCompletedFuture? = null
        private set

    /**
     * A completed future of [value] for a Java face's hit of this key: the one answered last while it holds [value]
     * itself, so hits of an unchanged entry share one future rather than allocate one each. HotSpot drops such a
     * future only when it inlines the face's call into the caller, which it often does not (see BENCHMARKS.md).
     * Kept only while a backend remembers this key's [entry], and let go with it ([forget]): a size bound must bound
     * what the cache keeps reachable, and a backend that remembers nothing (soft values, idle TTLs) keeps no value
     * alive here either.
     */
    internal fun answeredWith(value: Any?): CompletableFuture<Any?> {
        val held = entry ?: return SharedCompletedFuture(value)
        val last = answered
        if (last != null && last.value === value) return last
        val made = SharedCompletedFuture(value)
        answered = made
        // The backend forgot (or replaced) the entry meanwhile: keep nothing of it. Both fields are volatile, so
        // either this read sees forget's write, or forget's clearing of [answered] comes after the write above.
        if (entry !== held) answered = null
        return made
    }

    /** Lets go of [stored] if it is the entry remembered here, and of the future answered for it. */
    internal fun forget(stored: Any) {
        if (entry === stored) {
            entry = null
            answered = null
        }
    }

    override fun toString(): String = "RememberedKey($key)"
}

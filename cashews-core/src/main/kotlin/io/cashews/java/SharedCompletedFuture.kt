package io.cashews.java

import java.util.concurrent.CompletableFuture

/**
 * A future completed with [value] that the Java face hands to every hit of one unchanged in-memory entry through the
 * same remembered key, instead of a new one per hit (see [io.cashews.RememberedKey.answeredWith]).
 *
 * Being shared, it refuses the two calls that would change it for everyone: `obtrudeValue` and `obtrudeException`.
 * The others cannot change a completed future (`complete` and `cancel` answer `false`), and its dependents
 * (`thenApply`, …) are new futures of their own.
 */
internal class SharedCompletedFuture(
    /** What the future holds, compared by identity with the entry's current value before it is handed out again. */
    @JvmField val value: Any?,
) : CompletableFuture<Any?>() {
    init {
        complete(value)
    }

    override fun obtrudeValue(value: Any?): Unit = throw shared()

    override fun obtrudeException(ex: Throwable): Unit = throw shared()

    private fun shared() =
        UnsupportedOperationException(
            "this future is shared by every hit of the same cached value; obtrude on copy() instead",
        )
}

package io.cashews.internal.value

import io.cashews.InvalidTtlError
import io.cashews.Ttl
import kotlin.time.Duration

/** The TTL rules of commands, checked before anything reaches a backend. */
internal object TtlChecks {
    /** A TTL as backends take it: `null` (and an infinite one) for "never expires", else positive. */
    fun checked(ttl: Duration?): Duration? =
        when {
            ttl == null -> null
            ttl.isInfinite() && ttl.isPositive() -> null
            else -> Ttl.requirePositive(ttl)
        }

    /** [ttl] for a command that cannot mean "never expires": positive and finite, or [InvalidTtlError] saying [why]. */
    fun finite(ttl: Duration, command: String, why: String): Duration {
        if (ttl.isInfinite()) throw InvalidTtlError("$command needs a finite TTL ($why); was $ttl")
        return Ttl.requirePositive(ttl)
    }

    /** A lock's lease: positive and finite. */
    fun lockTtl(ttl: Duration): Duration = finite(ttl, "a lock", "a holder that crashes would block the key for ever")
}

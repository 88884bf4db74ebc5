package io.cashews

import kotlin.time.Duration
import kotlin.time.toJavaDuration

/** What `ttl(key)` answers: three distinct cases, never a magic number. */
public sealed class KeyTtl {
    /** The key does not exist (or has expired). */
    public data object Missing : KeyTtl()

    /** The key exists and never expires. */
    public data object Persistent : KeyTtl()

    /** The key exists and expires after [remaining]. */
    public data class Expiring(
        /** The time left before the key expires. */
        public val remaining: Duration,
    ) : KeyTtl() {
        /** [remaining] for Java, where the property's getter has a mangled name. */
        @JvmName("getRemaining")
        public fun remainingJavaDuration(): java.time.Duration = remaining.toJavaDuration()
    }
}

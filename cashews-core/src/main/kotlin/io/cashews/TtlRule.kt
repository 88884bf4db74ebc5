package io.cashews

import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * How long a strategy keeps what it loaded: a [Fixed] TTL, an [Expires] expiration (a point in time, a time of day,
 * never), one computed [FromValue] (a token's own lifetime), one computed [FromOutcome], a value or a failure alike,
 * or an expiration computed [FromLoad] (aquiche's expiration function, which may suspend).
 *
 * A rule computed from the value cannot apply to a cached exception: a strategy whose [CacheCondition] stores
 * exceptions needs the condition's own exception TTL with it (checked when the policy is built).
 */
public sealed class TtlRule {
    /** Every stored outcome is kept for [ttl]. */
    public class Fixed(
        /** The TTL; positive, or infinite for "never expires". */
        public val ttl: Duration,
    ) : TtlRule() {
        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

        override fun toString(): String = ttl.toString()
    }

    /** Each stored value is kept for what [ttl] answers for it. */
    public class FromValue(
        /** The TTL of a loaded value; called once per stored value. */
        public val ttl: (value: Any?) -> Duration,
    ) : TtlRule() {
        override fun toString(): String = "from the value"
    }

    /** Each stored outcome, a value or a cached failure, is kept for what [ttl] answers for it. */
    public class FromOutcome(
        /** The TTL of a load's outcome; called once per stored outcome. */
        public val ttl: (outcome: Result<Any?>) -> Duration,
    ) : TtlRule() {
        override fun toString(): String = "from the outcome"
    }

    /** Every stored outcome expires as [expiry] says: after a TTL, at a point in time, at a time of day, or never. */
    public class Expires(
        /** When stored outcomes expire. */
        public val expiry: Expiry,
    ) : TtlRule() {
        override fun toString(): String = expiry.toString()
    }

    /**
     * Each stored outcome expires as [expiry] answers for it, seeing the value (or the failure) and when it was
     * fetched. [Expiry.Expired] stores nothing, so the next call loads again. It may suspend.
     */
    public class FromLoad(
        /** The expiration of a load's outcome; called once per outcome that would be stored. */
        public val expiry: suspend (item: LoadedItem<Any?>) -> Expiry,
    ) : TtlRule() {
        override fun toString(): String = "from the load"
    }
}

package io.cashews.java

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.TtlRule
import kotlinx.coroutines.CoroutineScope
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/** The `cached` strategy from Java ([CachedPolicy]): `jc.cached(User.class).ttl("3h").key("user:{id}")`. */
public class CachedBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : CachingBuilder<T, CachedBuilder<T>>(cache, scope, type) {
    private var ttlOfValue: java.util.function.Function<T, java.time.Duration>? = null
    private var protected: Boolean = true
    private var lock: Boolean = false

    override fun ttl(ttl: String): CachedBuilder<T> = super.ttl(ttl).also { ttlOfValue = null }

    override fun ttl(ttl: java.time.Duration): CachedBuilder<T> = super.ttl(ttl).also { ttlOfValue = null }

    /** The TTL computed from each loaded value, such as a token's own lifetime. */
    public fun ttl(ttl: java.util.function.Function<T, java.time.Duration>): CachedBuilder<T> =
        apply {
            this.ttl = null
            ttlOfValue = ttl
        }

    /**
     * Concurrent calls for a cold key share one load (on by default). Named after the Kotlin parameter `protected`,
     * a reserved word in Java.
     */
    public fun protect(protect: Boolean): CachedBuilder<T> = apply { protected = protect }

    /** Loads under a lock shared by every process using the backend, so one of them loads a cold key. */
    public fun lock(lock: Boolean): CachedBuilder<T> = apply { this.lock = lock }

    override fun policy(): CachedPolicy {
        val fromValue = ttlOfValue
        val rule =
            if (fromValue != null) {
                @Suppress("UNCHECKED_CAST")
                TtlRule.FromValue { value -> fromValue.apply(value as T).toKotlinDuration() }
            } else {
                TtlRule.Fixed(requireTtl())
            }
        return CachedPolicy(
            rule,
            template(),
            prefix ?: "",
            condition,
            timeCondition,
            protected,
            lock,
            jitter,
            upper,
            retry,
            tags,
        )
    }
}

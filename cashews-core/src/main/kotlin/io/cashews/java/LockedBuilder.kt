@file:OptIn(InternalCacheApi::class)

package io.cashews.java

import io.cashews.Cache
import io.cashews.InternalCacheApi
import io.cashews.LockedPolicy
import io.cashews.OutagePolicy
import io.cashews.StrategyKeys
import io.cashews.Ttl
import kotlinx.coroutines.CoroutineScope
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/** The `locked` strategy from Java ([LockedPolicy]): one caller at a time per key, across processes. */
public class LockedBuilder<T> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : StrategyBuilder<T, LockedBuilder<T>>(cache, scope, type) {
    private var ttl: Duration? = null
    private var wait: Boolean = true
    private var waitTimeout: Duration? = null
    private var whenUnavailable: OutagePolicy = OutagePolicy.FAIL_CLOSED

    /** How long the lock is held at most. */
    public fun ttl(ttl: java.time.Duration): LockedBuilder<T> = apply { this.ttl = ttl.toKotlinDuration() }

    /** [ttl] in the [Ttl] grammar. */
    public fun ttl(ttl: String): LockedBuilder<T> = apply { this.ttl = Ttl.parse(ttl) }

    /** Whether a caller waits for the lock (the default) or fails at once with [io.cashews.LockedError]. */
    public fun wait(wait: Boolean): LockedBuilder<T> = apply { this.wait = wait }

    /** How long a caller waits at most before it fails with [io.cashews.LockedError]; no limit by default. */
    public fun waitTimeout(waitTimeout: java.time.Duration): LockedBuilder<T> =
        apply { this.waitTimeout = waitTimeout.toKotlinDuration() }

    /** What happens when the backend holding the lock is unreachable: fail (the default) or run unlocked. */
    public fun whenUnavailable(whenUnavailable: OutagePolicy): LockedBuilder<T> =
        apply { this.whenUnavailable = whenUnavailable }

    override fun policy(): LockedPolicy =
        LockedPolicy(
            ttl ?: throw IllegalStateException("no TTL set for the LockedBuilder: call ttl(...) first"),
            template(),
            wait,
            waitTimeout,
            prefix ?: StrategyKeys.LOCKED_PREFIX,
            whenUnavailable,
        )
}

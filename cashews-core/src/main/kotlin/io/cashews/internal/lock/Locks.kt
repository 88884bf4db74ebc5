package io.cashews.internal.lock

import io.cashews.BackendUnavailableError
import io.cashews.Command
import io.cashews.LockBackend
import io.cashews.LockReleaseBackend
import io.cashews.LockedError
import io.cashews.OutagePolicy
import io.cashews.internal.load.Found
import io.cashews.internal.load.withLease
import io.cashews.internal.route.Routing
import io.cashews.internal.route.raisingOutages
import io.cashews.internal.value.TtlChecks
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import java.util.UUID
import kotlin.time.Duration
import kotlin.time.TimeSource

/**
 * The locks layer: token-owned locks through the backend's [LockBackend], the waiting for them (woken by release
 * notices where the backend sends them), and what happens while the backend cannot answer ([OutagePolicy]).
 */
internal class Locks(
    private val routing: Routing,
    private val timeSource: TimeSource,
    /** Where lease renewals run: the cache's own scope. */
    private val scope: CoroutineScope,
    /** The locks of the in-process cache that stands in while a backend is down ([OutagePolicy.LOCAL]). */
    private val fallback: () -> Locks,
) {
    suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        routing.capability<LockBackend>(key, "setLock").setLock(key, token, TtlChecks.lockTtl(ttl))

    suspend fun unlock(key: String, token: String): Boolean =
        routing.capability<LockBackend>(key, "unlock").unlock(key, token)

    suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        routing.capability<LockBackend>(key, "renewLock").renewLock(key, token, TtlChecks.lockTtl(ttl))

    suspend fun isLocked(key: String, wait: Duration?, step: Duration): Boolean {
        val backend = routing.backendOf(routing.route(key))
        if (wait == null) return backend.exists(key)
        require(step.isPositive()) { "step must be positive, was $step" }
        repeat(steps(wait, step)) {
            if (!backend.exists(key)) return false
            delay(step)
        }
        return backend.exists(key)
    }

    /**
     * Runs [block] holding the lock [key] (see [io.cashews.Cache.lock]), where [recheck] runs after every wait and may
     * answer instead of the lock (a value the holder stored): the cross-process single-flight of loads, where one
     * process loads and the others read what it stored.
     */
    suspend fun <R> lockOrRecheck(
        key: String,
        ttl: Duration,
        wait: Boolean,
        waitTimeout: Duration?,
        step: Duration,
        renew: Boolean,
        whenUnavailable: OutagePolicy,
        recheck: (suspend () -> Found<R>?)?,
        block: suspend () -> R,
    ): R {
        require(step.isPositive()) { "step must be positive, was $step" }
        val route = routing.route(key)
        val locks = routing.capability<LockBackend>(key, "lock")
        val releases = if (wait) route.backend as? LockReleaseBackend else null
        val leaseTtl = TtlChecks.lockTtl(ttl)
        val token = UUID.randomUUID().toString()
        val started = timeSource.markNow()
        while (true) {
            // Listening starts before the try, so a release between a failed try and the wait is heard.
            val watch = releases?.watchRelease(key)
            try {
                val taken =
                    try {
                        raisingOutages(route) { locks.setLock(key, token, leaseTtl) }
                    } catch (e: BackendUnavailableError) {
                        return whenDown(e, whenUnavailable, block) {
                            fallback().lockOrRecheck(
                                key,
                                ttl,
                                wait,
                                waitTimeout,
                                step,
                                renew,
                                OutagePolicy.FAIL_CLOSED,
                                null,
                                block,
                            )
                        }
                    }
                if (taken) break
                // A disabled command answers `false` without asking anyone: nobody holds the lock.
                if (routing.commandDisabled(route, Command.SET_LOCK)) return block()
                if (!wait) throw LockedError("key '$key' is already locked")
                val waited = started.elapsedNow()
                if (waitTimeout != null && waited >= waitTimeout) {
                    throw LockedError("key '$key' is still locked after waiting $waitTimeout")
                }
                val pause = if (waitTimeout == null) step else minOf(step, waitTimeout - waited)
                if (watch == null) delay(pause) else watch.await(pause)
            } finally {
                watch?.close()
            }
            recheck?.invoke()?.let { return it.value }
        }
        try {
            return if (renew) withLease(scope, locks, key, token, leaseTtl, block) else block()
        } finally {
            withContext(NonCancellable) { locks.unlock(key, token) }
        }
    }

    private suspend fun <R> whenDown(
        error: BackendUnavailableError,
        policy: OutagePolicy,
        block: suspend () -> R,
        locally: suspend () -> R,
    ): R =
        when (policy) {
            OutagePolicy.FAIL_CLOSED -> throw error
            OutagePolicy.FAIL_OPEN -> block()
            OutagePolicy.LOCAL -> locally()
        }

    private fun steps(wait: Duration, step: Duration): Int =
        ((wait.inWholeNanoseconds + step.inWholeNanoseconds - 1) / step.inWholeNanoseconds)
            .coerceIn(0, Int.MAX_VALUE.toLong())
            .toInt()
}

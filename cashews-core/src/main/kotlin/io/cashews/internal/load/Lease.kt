package io.cashews.internal.load

import io.cashews.LockBackend
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import kotlin.time.Duration

private val log = LoggerFactory.getLogger("io.cashews.lock")

/**
 * Runs [block] while renewing the lock [key] held with [token] every third of [ttl], so a long job keeps its lock
 * while a crashed holder's lock still expires within [ttl]. The renewal runs beside [block] in the cache's scope (on
 * the caller's dispatcher, so virtual time drives it in tests) and stops when [block] ends; releasing the lock is
 * the caller's business.
 */
internal suspend fun <R> withLease(
    scope: CoroutineScope,
    locks: LockBackend,
    key: String,
    token: String,
    ttl: Duration,
    block: suspend () -> R,
): R {
    val renewal =
        scope.launch(currentCoroutineContext().minusKey(Job)) {
            var warned = false
            while (true) {
                delay(ttl / RENEWALS_PER_TTL)
                val renewed =
                    try {
                        locks.renewLock(key, token, ttl)
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        false
                    }
                // Kept trying after a failure: an unreachable backend may come back while the lock is still ours.
                if (!renewed && !warned) {
                    warned = true
                    log.warn("could not renew the lease of lock '{}'; another holder may take it", key)
                }
            }
        }
    try {
        return block()
    } finally {
        renewal.cancel()
    }
}

private const val RENEWALS_PER_TTL = 3

package io.cashews

import io.cashews.internal.tx.CacheTransaction
import io.cashews.internal.tx.Transactions
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.withContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** How a [Cache.transaction] keeps concurrent transactions apart. */
public enum class TransactionMode {
    /**
     * Buffering only: the writes become visible together at commit, but two transactions that update the same key
     * concurrently overwrite each other (the last commit wins, and an `incr` commits its absolute value).
     */
    FAST,

    /**
     * Before its first write to a key, a transaction takes that key's lock through the backend and holds it until it
     * commits or rolls back, so concurrent updates of one key are applied one transaction after the other. Reads
     * take no lock.
     */
    LOCKED,

    /** Like [LOCKED], with one lock per backend for every key: one writing transaction at a time. */
    SERIALIZABLE,
}

/** A running [Cache.transaction]. */
public interface Transaction {
    /** How this transaction keeps others apart. */
    public val mode: TransactionMode

    /**
     * Applies what the transaction has written so far and releases its locks. The transaction goes on: later writes
     * are buffered again and applied when the block ends.
     */
    public suspend fun commit()

    /**
     * Discards what the transaction has written so far and releases its locks. The transaction goes on: later writes
     * are buffered again and applied when the block ends (unless it throws).
     */
    public suspend fun rollback()
}

/**
 * Runs [block] in a transaction: `set`, `setMany`, `incr`, `delete`, `deleteMany`, `deleteMatch` and `expire`
 * (directly, or through strategies) are buffered, seen by every read inside the transaction, and applied to the
 * backends when the block returns; when it throws (or is cancelled) they are discarded. TTLs keep millisecond
 * precision: a buffered value's TTL runs from its write, and one that expired before the commit is not applied.
 *
 * ```
 * cache.transaction(TransactionMode.LOCKED) {
 *     val balance = cache.incr("balance:$from", -amount)
 *     if (balance < 0) throw InsufficientFunds()   // nothing is applied
 *     cache.incr("balance:$to", amount)
 * }
 * ```
 *
 * - A transaction started inside another one of the same cache joins it: it applies nothing of its own, and the
 *   outer block's outcome decides. Coroutines started inside share the transaction.
 * - [TransactionMode.LOCKED] and [TransactionMode.SERIALIZABLE] wait up to [timeout] for each lock, then fail with
 *   [TransactionLockTimeoutError] (rolling back). Locks live in the backend (keys `_tx_lock:<key>`, `_tx_lock`) for
 *   at most [lockTtl], which bounds how long a crashed process can block others: keep transactions shorter.
 * - Other commands (locks, bit counters, sliding windows, sets, `clear`) and [Cache.deleteTags] are not buffered:
 *   they apply at once.
 * - While a transaction runs anywhere, reads of this cache leave the allocation-free in-memory hit path to look
 *   for it (a coroutine-context lookup per read).
 *
 * @throws TransactionLockTimeoutError when a lock was not free within [timeout].
 */
public suspend fun <R> Cache.transaction(
    mode: TransactionMode = TransactionMode.LOCKED,
    timeout: Duration = 10.seconds,
    lockTtl: Duration = 1.minutes,
    block: suspend (Transaction) -> R,
): R {
    Ttl.requirePositive(timeout)
    Ttl.requirePositive(lockTtl)
    val enclosing = currentCoroutineContext()[Transactions]
    enclosing?.of(controls)?.let { return block(it) }
    val transaction = CacheTransaction(mode, timeout, lockTtl, timeSource)
    return withControlsScope(Transactions.with(enclosing, controls, transaction)) {
        val result =
            try {
                block(transaction)
            } catch (e: Throwable) {
                withContext(NonCancellable) { transaction.rollback() }
                throw e
            }
        try {
            commitWhole(transaction)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            withContext(NonCancellable) { transaction.rollback() }
            throw e
        }
        result
    }
}

/**
 * Commits [transaction] whole even when the caller is cancelled meanwhile. Most commits never suspend (in memory),
 * so they run as they are, without a non-cancellable context of their own; one that is cancelled while a backend
 * answers is finished in [NonCancellable] (a commit is resumable: see the buffers' `commit`).
 */
private suspend fun commitWhole(transaction: CacheTransaction) {
    try {
        transaction.commit()
    } catch (e: CancellationException) {
        if (currentCoroutineContext().isActive) throw e // a backend's own cancellation, not the caller's
        withContext(NonCancellable) { transaction.commit() }
    }
}

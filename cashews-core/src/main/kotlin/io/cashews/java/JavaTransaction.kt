package io.cashews.java

import io.cashews.Cache
import io.cashews.JavaCache
import io.cashews.Transaction
import io.cashews.TransactionMode
import kotlinx.coroutines.CoroutineScope
import java.util.concurrent.CompletableFuture
import kotlin.coroutines.CoroutineContext

/**
 * A running transaction, from Java ([JavaCache.transaction]): its commands are those of [JavaCache], bound to the
 * transaction wherever they are called from, plus [commit] and [rollback].
 */
public class JavaTransaction internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    context: CoroutineContext,
    private val transaction: Transaction,
) : JavaCache(cache, scope, context) {
    /** How this transaction keeps others apart. */
    public val mode: TransactionMode get() = transaction.mode

    /** Applies what the transaction has written so far and releases its locks; the transaction goes on. */
    public fun commit(): CompletableFuture<Void?> =
        call {
            transaction.commit()
            null
        }

    /** Discards what the transaction has written so far and releases its locks; the transaction goes on. */
    public fun rollback(): CompletableFuture<Void?> =
        call {
            transaction.rollback()
            null
        }

    override fun toString(): String = "JavaTransaction($mode)"
}

package io.cashews.internal.tx

import io.cashews.Transaction
import io.cashews.TransactionMode
import io.cashews.internal.chain.CommandControls
import io.cashews.internal.route.Route
import java.util.UUID
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.TimeSource

/** A running transaction of one cache: a [TransactionBuffer] per backend it touched. */
internal class CacheTransaction(
    override val mode: TransactionMode,
    val timeout: Duration,
    val lockTtl: Duration,
    val timeSource: TimeSource,
) : Transaction {
    private val sequence = counter.incrementAndGet()

    /** The owner token of this transaction's locks: unique across processes, without a secure random per call. */
    val id: String get() = "$PROCESS:$sequence"

    // One buffer per backend touched: a handful at most, so a list searched under a lock beats a concurrent map.
    private val buffers = ArrayList<TransactionBuffer>(1)

    fun bufferFor(route: Route): TransactionBuffer =
        synchronized(buffers) {
            buffers.firstOrNull { it.route === route } ?: TransactionBuffer(route, this).also { buffers += it }
        }

    private fun touched(): List<TransactionBuffer> = synchronized(buffers) { buffers.toList() }

    override suspend fun commit() {
        for (buffer in touched()) buffer.commit()
    }

    override suspend fun rollback() {
        for (buffer in touched()) buffer.rollback()
    }

    override fun toString(): String = "Transaction($mode, $id)"

    private companion object {
        val PROCESS: String = UUID.randomUUID().toString()
        val counter = AtomicLong()
    }
}

/**
 * The transactions the current coroutine runs in, one per cache (by the cache's [CommandControls]): the innermost
 * first, chained to the enclosing ones of other caches.
 */
internal class Transactions private constructor(
    private val controls: CommandControls,
    private val transaction: CacheTransaction,
    private val enclosing: Transactions?,
) : AbstractCoroutineContextElement(Transactions) {
    fun of(controls: CommandControls): CacheTransaction? {
        var link: Transactions? = this
        while (link != null) {
            if (link.controls === controls) return link.transaction
            link = link.enclosing
        }
        return null
    }

    companion object Key : CoroutineContext.Key<Transactions> {
        fun with(enclosing: Transactions?, controls: CommandControls, transaction: CacheTransaction): Transactions =
            Transactions(controls, transaction, enclosing)
    }
}

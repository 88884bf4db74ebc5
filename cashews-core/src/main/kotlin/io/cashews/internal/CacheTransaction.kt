package io.cashews.internal

import io.cashews.Transaction
import io.cashews.TransactionMode
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
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
    /** The owner token of this transaction's locks. */
    val id: String = UUID.randomUUID().toString()

    private val buffers = ConcurrentHashMap<Route, TransactionBuffer>()

    fun bufferFor(route: Route): TransactionBuffer = buffers.computeIfAbsent(route) { TransactionBuffer(it, this) }

    override suspend fun commit() {
        for (buffer in buffers.values) buffer.commit()
    }

    override suspend fun rollback() {
        for (buffer in buffers.values) buffer.rollback()
    }

    override fun toString(): String = "Transaction($mode, $id)"
}

/** The transactions the current coroutine runs in, one per cache (by the cache's [CommandControls]). */
internal class Transactions private constructor(
    private val byCache: Map<CommandControls, CacheTransaction>,
) : AbstractCoroutineContextElement(Transactions) {
    fun of(controls: CommandControls): CacheTransaction? = byCache[controls]

    companion object Key : CoroutineContext.Key<Transactions> {
        fun with(enclosing: Transactions?, controls: CommandControls, transaction: CacheTransaction): Transactions =
            Transactions((enclosing?.byCache ?: emptyMap()) + (controls to transaction))
    }
}

package io.cashews.redis

import io.lettuce.core.resource.NettyCustomizer
import io.netty.channel.Channel
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelOutboundHandlerAdapter
import io.netty.channel.ChannelPromise
import io.netty.util.concurrent.SingleThreadEventExecutor
import java.util.concurrent.RejectedExecutionException

/**
 * Puts a [CoalescingFlusher] first on every connection Lettuce opens.
 *
 * Every command written from outside the connection's event loop reaches it as a task of its own that writes and
 * flushes: with many callers at once, one socket write per command. The flusher lets those commands leave together.
 */
internal object CoalescedFlushes : NettyCustomizer {
    override fun afterChannelInitialized(channel: Channel) {
        channel.pipeline().addFirst(CoalescingFlusher())
    }
}

/**
 * Holds a flush back while the event loop has a backlog of tasks (other callers' commands, about to be written), and
 * flushes once after them: one socket write for the batch. Below [BACKLOG] queued tasks a flush goes through at
 * once, so a lone command, or a few in flight, leave exactly as without the flusher.
 *
 * Why a backlog and not every flush (as Netty's `FlushConsolidationHandler` does): holding back any flush while
 * something was queued cost 15-20 % of the commands per second with 16 callers in flight (`RedisBenchmark`); from
 * a backlog of 16, 1 and 16 callers were unchanged and 64 to 256 gained 1.6-2×.
 *
 * One per channel; every method runs on the channel's event loop.
 */
internal class CoalescingFlusher : ChannelOutboundHandlerAdapter() {
    private var flushScheduled = false

    override fun flush(ctx: ChannelHandlerContext) {
        if (flushScheduled) return // the scheduled flush sends this command's bytes too
        val loop = ctx.executor()
        if (loop is SingleThreadEventExecutor && loop.pendingTasks() >= BACKLOG) {
            flushScheduled = true
            try {
                loop.execute { flushNow(ctx) }
            } catch (e: RejectedExecutionException) {
                flushNow(ctx) // the loop is shutting down: flush as without the flusher
            }
        } else {
            ctx.flush()
        }
    }

    // What was written goes out before the channel does, as it would have without the flusher.
    override fun close(ctx: ChannelHandlerContext, promise: ChannelPromise) {
        if (flushScheduled) flushNow(ctx)
        ctx.close(promise)
    }

    override fun disconnect(ctx: ChannelHandlerContext, promise: ChannelPromise) {
        if (flushScheduled) flushNow(ctx)
        ctx.disconnect(promise)
    }

    override fun handlerRemoved(ctx: ChannelHandlerContext) {
        if (flushScheduled) flushNow(ctx)
    }

    private fun flushNow(ctx: ChannelHandlerContext) {
        if (!flushScheduled) return
        flushScheduled = false
        ctx.flush()
    }
}

/** Queued event-loop tasks from which a flush waits for them: see [CoalescingFlusher]. */
private const val BACKLOG = 16

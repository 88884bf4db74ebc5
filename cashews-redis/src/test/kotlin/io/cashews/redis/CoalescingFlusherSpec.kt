package io.cashews.redis

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.netty.bootstrap.Bootstrap
import io.netty.bootstrap.ServerBootstrap
import io.netty.channel.Channel
import io.netty.channel.ChannelFuture
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.channel.ChannelInitializer
import io.netty.channel.ChannelOutboundHandlerAdapter
import io.netty.channel.EventLoopGroup
import io.netty.channel.MultiThreadIoEventLoopGroup
import io.netty.channel.local.LocalAddress
import io.netty.channel.local.LocalChannel
import io.netty.channel.local.LocalIoHandler
import io.netty.channel.local.LocalServerChannel
import java.util.concurrent.CountDownLatch
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** The flusher on a real event loop (Netty's in-process transport): what is written always leaves, in order. */
class CoalescingFlusherSpec : FunSpec({
    /** A server that collects what it receives, and a client with the flusher and a count of the flushes it lets by. */
    class Connected(
        val group: EventLoopGroup,
        val server: Channel,
        val client: Channel,
        val received: LinkedBlockingQueue<Any>,
        val flushes: AtomicInteger,
    ) : AutoCloseable {
        override fun close() {
            client.close().await(10, TimeUnit.SECONDS)
            server.close().await(10, TimeUnit.SECONDS)
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS)
        }
    }

    /** The channel of [future] once it has succeeded, waiting at most 10 seconds. */
    fun channelOf(future: ChannelFuture): Channel {
        check(future.await(10, TimeUnit.SECONDS) && future.isSuccess) { "the local channel did not open" }
        return future.channel()
    }

    /** A channel initializer that runs [init] on each new channel. */
    fun initializer(init: (LocalChannel) -> Unit) =
        object : ChannelInitializer<LocalChannel>() {
            override fun initChannel(ch: LocalChannel) = init(ch)
        }

    fun connect(name: String): Connected {
        val group = MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory())
        val received = LinkedBlockingQueue<Any>()
        val flushes = AtomicInteger()
        val address = LocalAddress(name)
        val server =
            channelOf(
                ServerBootstrap()
                    .group(group)
                    .channel(LocalServerChannel::class.java)
                    .childHandler(
                        initializer { ch ->
                            ch.pipeline().addLast(
                                object : ChannelInboundHandlerAdapter() {
                                    override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
                                        received += msg
                                    }
                                },
                            )
                        },
                    ).bind(address),
            )
        val client =
            channelOf(
                Bootstrap()
                    .group(group)
                    .channel(LocalChannel::class.java)
                    .handler(
                        initializer { ch ->
                            CoalescedFlushes.afterChannelInitialized(ch)
                            // Nearer the socket than the flusher: counts the flushes that get through it.
                            ch.pipeline().addFirst(
                                object : ChannelOutboundHandlerAdapter() {
                                    override fun flush(ctx: ChannelHandlerContext) {
                                        flushes.incrementAndGet()
                                        ctx.flush()
                                    }
                                },
                            )
                        },
                    ).connect(address),
            )
        return Connected(group, server, client, received, flushes)
    }

    /**
     * Keeps [channel]'s event loop busy until the answered latch is counted down, so that every write meanwhile queues
     * as a task of its own, as callers' commands do.
     */
    fun holdEventLoop(channel: Channel): CountDownLatch {
        val release = CountDownLatch(1)
        val held = CountDownLatch(1)
        channel.eventLoop().execute {
            held.countDown()
            release.await(10, TimeUnit.SECONDS)
        }
        check(held.await(10, TimeUnit.SECONDS)) { "the event loop did not take the task" }
        return release
    }

    test("a lone write is flushed at once") {
        connect("flusher-lone").use { pair ->
            pair.client.writeAndFlush("only").await(10, TimeUnit.SECONDS) shouldBe true
            pair.received.poll(10, TimeUnit.SECONDS) shouldBe "only"
            pair.flushes.get() shouldBe 1
        }
    }

    test("writes queued behind each other leave in fewer flushes, all of them and in order") {
        connect("flusher-backlog").use { pair ->
            val release = holdEventLoop(pair.client)
            val writes = (0 until 200).map { pair.client.writeAndFlush("command $it") }
            release.countDown()
            writes.forEach { it.await(10, TimeUnit.SECONDS) shouldBe true }
            val got = List(200) { pair.received.poll(10, TimeUnit.SECONDS) }
            got shouldBe List(200) { "command $it" }
            pair.flushes.get() shouldBeLessThan 200 - 16
        }
    }

    test("a write whose flush is held back still leaves when the channel closes first") {
        connect("flusher-close").use { pair ->
            val release = holdEventLoop(pair.client)
            repeat(40) { pair.client.writeAndFlush("before close $it") }
            val closed = pair.client.close()
            release.countDown()
            closed.await(10, TimeUnit.SECONDS) shouldBe true
            // The writes queued before the close are written and flushed before the channel goes.
            pair.received.poll(10, TimeUnit.SECONDS) shouldBe "before close 0"
        }
    }
})

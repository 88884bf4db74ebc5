package io.cashews.redis

import io.cashews.LockReleaseBackend
import io.cashews.LockReleaseSignals
import io.cashews.LockReleaseWatch
import io.lettuce.core.pubsub.RedisPubSubAdapter
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import kotlinx.coroutines.future.await
import org.slf4j.LoggerFactory
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicReference

/**
 * Lock releases heard over Redis pub/sub: the unlock script publishes the released key on [CHANNEL], and every
 * process subscribed wakes its waiters for that key. One subscription per backend, made by the first watch (a
 * backend that never waits for a lock opens no second connection) and made again by a later watch if it failed.
 * Lettuce resubscribes after a reconnect; releases published meanwhile are missed, and waiters find them by their
 * bounded re-check instead.
 */
internal class LockReleaseChannel(
    private val connect: () -> CompletableFuture<out StatefulRedisPubSubConnection<String, String>>,
) : LockReleaseBackend {
    private val signals = LockReleaseSignals()
    private val subscription = AtomicReference<CompletableFuture<StatefulRedisPubSubConnection<String, String>>?>()

    override fun watchRelease(key: String): LockReleaseWatch {
        subscribe()
        return signals.watchRelease(key)
    }

    /** Wakes this process's waiters for [key] at once, without waiting for the published message. */
    fun released(key: String) = signals.released(key)

    private fun subscribe() {
        if (subscription.get() != null) return
        val subscribed = CompletableFuture<StatefulRedisPubSubConnection<String, String>>()
        if (!subscription.compareAndSet(null, subscribed)) return
        connect()
            .thenCompose { connection ->
                connection.addListener(
                    object : RedisPubSubAdapter<String, String>() {
                        override fun message(channel: String, message: String) = signals.released(message)

                        // Confirmed at first and again after every reconnect: releases published while unsubscribed
                        // were missed, so every waiter tries again now rather than at its next re-check.
                        override fun subscribed(channel: String, count: Long) = signals.releasedAll()
                    },
                )
                connection.async().subscribe(CHANNEL).thenApply { connection }
            }.whenComplete { connection, error ->
                if (error == null) {
                    subscribed.complete(connection)
                } else {
                    log.debug("could not subscribe to lock releases; waiters re-check on their own", error)
                    subscription.compareAndSet(subscribed, null)
                    subscribed.completeExceptionally(error)
                }
            }
    }

    suspend fun close() {
        val subscribed = subscription.getAndSet(null) ?: return
        runCatching { subscribed.await().closeAsync().await() }
    }

    companion object {
        /** Where the unlock script publishes released lock keys. */
        const val CHANNEL = "cashews:lock-released"
        private val log = LoggerFactory.getLogger(LockReleaseChannel::class.java)
    }
}

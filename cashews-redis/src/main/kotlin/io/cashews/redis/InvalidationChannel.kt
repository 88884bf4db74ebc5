package io.cashews.redis

import io.lettuce.core.pubsub.RedisPubSubAdapter
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import kotlinx.coroutines.future.await
import org.slf4j.LoggerFactory
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The local tiers' invalidations over Redis pub/sub ([io.cashews.InvalidationBusBackend]), on [channel] (one per
 * database). A message names its sender, so a process does not drop the copies its own write has just made fresh,
 * and the keys it changed, or every key. One subscription per backend, made by the first listener. After a
 * reconnect Lettuce subscribes again and every listener drops every copy: messages may have been missed meanwhile.
 */
internal class InvalidationChannel(
    val channel: String,
    private val connect: () -> CompletableFuture<out StatefulRedisPubSubConnection<String, String>>,
) {
    private val sender = UUID.randomUUID().toString()
    private val listeners = CopyOnWriteArrayList<(Collection<String>?) -> Unit>()

    @Volatile
    private var subscription: CompletableFuture<StatefulRedisPubSubConnection<String, String>>? = null

    /** The message telling the others that [keys] (`null`: every key) changed. */
    fun encode(keys: Collection<String>?): String =
        if (keys == null) "$sender$SEPARATOR$ALL" else (listOf(sender, KEYS) + keys).joinToString(SEPARATOR)

    fun listen(listener: (Collection<String>?) -> Unit): AutoCloseable {
        listeners += listener
        subscribe()
        return AutoCloseable { listeners -= listener }
    }

    @Synchronized
    private fun subscribe() {
        if (subscription != null) return
        subscription =
            connect()
                .thenCompose { connection ->
                    connection.addListener(
                        object : RedisPubSubAdapter<String, String>() {
                            override fun message(channel: String, message: String) = heard(message)

                            override fun subscribed(channel: String, count: Long) = tellAll(null)
                        },
                    )
                    connection.async().subscribe(channel).thenApply { connection }
                }.whenComplete { _, error ->
                    if (error != null) {
                        log.warn("could not subscribe to '{}': local copies expire by their TTL alone", channel, error)
                        synchronized(this) { subscription = null }
                    }
                }
    }

    private fun heard(message: String) {
        val parts = message.split(SEPARATOR)
        if (parts.first() == sender) return
        when (parts.getOrNull(1)) {
            ALL -> tellAll(null)
            KEYS -> tellAll(parts.drop(2))
            else -> tellAll(null) // not ours to read: safest to drop everything
        }
    }

    private fun tellAll(keys: Collection<String>?) {
        for (listener in listeners) listener(keys)
    }

    suspend fun close() {
        val subscribed = synchronized(this) { subscription.also { subscription = null } } ?: return
        runCatching { subscribed.await().closeAsync().await() }
    }

    private companion object {
        const val SEPARATOR = "\u0000"
        const val ALL = "A"
        const val KEYS = "K"
        val log = LoggerFactory.getLogger(InvalidationChannel::class.java)
    }
}

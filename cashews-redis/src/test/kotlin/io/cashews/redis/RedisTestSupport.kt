package io.cashews.redis

import io.cashews.test.RedisProcess
import io.lettuce.core.RedisClient
import io.lettuce.core.api.async.RedisAsyncCommands
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlin.time.Duration.Companion.milliseconds

/** A raw Redis command on [redis], bypassing the cache, on a connection of its own. */
internal suspend fun <T> raw(redis: RedisProcess, command: suspend (RedisAsyncCommands<String, String>) -> T): T {
    val client = RedisClient.create(redis.url)
    try {
        client.connect().use { return command(it.async()) }
    } finally {
        client.shutdown()
    }
}

/** Polls [condition] until it holds, at most 10 s: a bounded wait for something asynchronous (a reconnect). */
internal suspend fun awaitTrue(condition: suspend () -> Boolean) {
    withContext(Dispatchers.Default) {
        repeat(200) {
            if (condition()) return@withContext
            delay(50.milliseconds)
        }
        error("condition did not hold within 10 s")
    }
}

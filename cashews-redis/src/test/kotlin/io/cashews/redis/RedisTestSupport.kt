package io.cashews.redis

import io.cashews.Cache
import io.cashews.test.RedisProcess
import io.lettuce.core.RedisClient
import io.lettuce.core.api.async.RedisAsyncCommands
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
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

/** Two caches on one fresh Redis, each set up with [params]: two processes' worth of clients. */
internal fun twoCaches(params: String = "", body: suspend (Cache, Cache, RedisProcess) -> Unit) {
    RedisProcess.start().use { redis ->
        runBlocking(Dispatchers.Default) {
            val first = Cache(redis.url + params)
            val second = Cache(redis.url + params)
            try {
                body(first, second, redis)
            } finally {
                first.close()
                second.close()
            }
        }
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

package io.cashews.bench

import io.cashews.Cache
import io.lettuce.core.api.async.RedisAsyncCommands
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole

/**
 * The loops of [RedisBenchmark]: [BATCH] commands per invocation, spread over [concurrency] coroutines that each
 * await one command at a time, so [concurrency] commands are in flight on the one multiplexed connection.
 */
public object RedisLoops {
    /** Commands per benchmark invocation. */
    public const val BATCH: Int = 1024

    private inline fun inFlight(concurrency: Int, crossinline command: suspend (Int) -> Unit) {
        runBlocking {
            val each = BATCH / concurrency
            repeat(concurrency) { worker ->
                launch { repeat(each) { command(worker * each + it) } }
            }
        }
    }

    /** Our `get` of present keys through the Redis backend. */
    @JvmStatic
    public fun cashewsGet(cache: Cache, keys: Array<String>, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { i -> bh.consume(cache.get<String>(keys[i and (keys.size - 1)])) }
    }

    /** Raw Lettuce async `GET` of the same keys, awaited. */
    @JvmStatic
    public fun lettuceGet(commands: RedisAsyncCommands<String, ByteArray>, keys: Array<String>, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { i -> bh.consume(commands.get(keys[i and (keys.size - 1)]).await()) }
    }

    /** Our `set` through the Redis backend, encoding [value] each time. */
    @JvmStatic
    public fun cashewsSet(cache: Cache, keys: Array<String>, value: String, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { i -> bh.consume(cache.set(keys[i and (keys.size - 1)], value)) }
    }

    /** Raw Lettuce async `SET` of the bytes our cache stores for the same value, awaited. */
    @JvmStatic
    public fun lettuceSet(
        commands: RedisAsyncCommands<String, ByteArray>,
        keys: Array<String>,
        value: ByteArray,
        concurrency: Int,
        bh: Blackhole,
    ) {
        inFlight(concurrency) { i -> bh.consume(commands.set(keys[i and (keys.size - 1)], value).await()) }
    }

    /** Closes [cache] from Java. */
    @JvmStatic
    public fun close(cache: Cache) {
        runBlocking { cache.close() }
    }

    /** Writes every key once through [cache], so gets hit; returns the bytes the cache stored for [value]. */
    @JvmStatic
    public fun populate(cache: Cache, keys: Array<String>, value: String): ByteArray =
        runBlocking {
            for (key in keys) cache.set(key, value)
            cache.getRaw(keys[0]) as ByteArray
        }
}

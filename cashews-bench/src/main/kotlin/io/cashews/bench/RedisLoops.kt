package io.cashews.bench

import io.cashews.Cache
import io.cashews.cached
import io.cashews.rateLimit
import io.cashews.redis.RedisBackend
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.api.async.RedisAsyncCommands
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import kotlin.time.Duration.Companion.hours

/**
 * The loops of [RedisBenchmark]: [BATCH] commands per invocation, spread over [concurrency] coroutines that each
 * await one command at a time, so [concurrency] commands are in flight on the one multiplexed connection.
 */
public object RedisLoops {
    /** Commands per benchmark invocation. */
    public const val BATCH: Int = 1024

    private inline fun inFlight(concurrency: Int, crossinline command: suspend (Int) -> Unit) = inFlight(BATCH, concurrency, command = command)

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

    /** Our `get` of keys held as client-side copies, in one coroutine: the local hit path. */
    @JvmStatic
    public fun localGet(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(cache.get<String>(keys[index++ and mask])) }
            index
        }

    /** `cached(key) { }` hits on keys held as client-side copies, in one coroutine. */
    @JvmStatic
    public fun localCachedHit(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(cache.cached(1.hours, keys[index++ and mask], prefix = "") { "loaded" }) }
            index
        }

    /** Reads every key once, so a client-side cache holds a copy of each; fails if one is not held. */
    @JvmStatic
    public fun warmCopies(cache: Cache, backend: RedisBackend, keys: Array<String>): Unit =
        runBlocking {
            for (key in keys) cache.get<String>(key)
            check(backend.clientSideEntries == keys.size.toLong()) {
                "expected ${keys.size} client-side copies, found ${backend.clientSideEntries}"
            }
        }

    /** [BATCH] fixed-window rate-limit decisions on one [key], from [concurrency] coroutines at once. */
    @JvmStatic
    public fun hotKeyRateLimit(cache: Cache, key: String, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { bh.consume(cache.rateLimit(RateLimitLoops.UNREACHED, 1.hours, key, action = { false }) { true }) }
    }

    /** The same decisions as raw Lettuce `EVALSHA` calls of the INCR+PEXPIRE script our backend runs: the ceiling. */
    @JvmStatic
    public fun hotKeyEvalsha(commands: RedisAsyncCommands<String, ByteArray>, sha: String, key: String, concurrency: Int, bh: Blackhole) {
        val by = "1".toByteArray()
        val ttl = 3_600_000.toString().toByteArray()
        inFlight(concurrency) {
            bh.consume(commands.evalsha<Long>(sha, ScriptOutputType.INTEGER, arrayOf(key), by, ttl).await())
        }
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

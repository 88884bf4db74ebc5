package io.cashews.redis

import io.lettuce.core.RedisNoScriptException
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.api.async.RedisScriptingAsyncCommands
import kotlinx.coroutines.future.await
import java.security.MessageDigest

/**
 * A Lua script run by its SHA-1 (`EVALSHA`). When the server answers NOSCRIPT (after a restart or a `SCRIPT FLUSH`,
 * or on a cluster node that never ran it), the call is made again with `EVAL`, which caches the script there.
 */
internal class RedisScript(
    private val source: String,
) {
    private val sha: String =
        MessageDigest.getInstance("SHA-1").digest(source.toByteArray()).joinToString("") { "%02x".format(it) }

    suspend fun <T> run(
        commands: RedisScriptingAsyncCommands<String, ByteArray>,
        output: ScriptOutputType,
        keys: Array<String>,
        vararg args: ByteArray,
    ): T =
        try {
            commands.evalsha<T>(sha, output, keys, *args).await()
        } catch (e: RedisNoScriptException) {
            // EVAL runs the script and caches it on the node that holds the key (any node of a cluster), so the next
            // EVALSHA there succeeds.
            commands.eval<T>(source, output, keys, *args).await()
        }

    companion object {
        /** INCRBY that sets the TTL (ARGV[2] ms, 0 for none) only when it creates the key. */
        val INCR =
            RedisScript(
                """
                local existed = redis.call('EXISTS', KEYS[1])
                local value = redis.call('INCRBY', KEYS[1], ARGV[1])
                if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
                return value
                """.trimIndent(),
            )

        /**
         * Deletes the lock at KEYS[1] only when it holds the token ARGV[1], and publishes the key on ARGV[2] so that
         * waiters in every process wake.
         */
        val UNLOCK =
            RedisScript(
                """
                if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
                redis.call('DEL', KEYS[1])
                redis.call('PUBLISH', ARGV[2], KEYS[1])
                return 1
                """.trimIndent(),
            )

        /** Sets the TTL of the lock at KEYS[1] to ARGV[2] ms only when it holds the token ARGV[1]. */
        val RENEW_LOCK =
            RedisScript(
                """
                if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
                return redis.call('PEXPIRE', KEYS[1], ARGV[2])
                """.trimIndent(),
            )

        /**
         * The sliding-window log: drops entries before ARGV[1], then records ARGV[5] at ARGV[2] when fewer than ARGV[3]
         * are left (setting the TTL ARGV[4] ms, 0 for none) and returns the count, or returns ARGV[3] + 1.
         */
        val SLICE_INCR =
            RedisScript(
                """
                redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
                local count = redis.call('ZCARD', KEYS[1])
                local max = tonumber(ARGV[3])
                if count >= max then return max + 1 end
                redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])
                if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
                return count + 1
                """.trimIndent(),
            )

        /**
         * GCRA on the bucket at KEYS[1] with the server's clock, in microseconds: ARGV[1] the interval per token,
         * ARGV[2] the burst, ARGV[3] the cost. Answers admitted (1/0), the tokens left and the wait in microseconds.
         * The arrival time is kept until the bucket would be full again. A value that is not a number is a full bucket.
         */
        val TAKE_TOKENS =
            RedisScript(
                """
                local clock = redis.call('TIME')
                local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
                local interval = tonumber(ARGV[1])
                local limit = interval * tonumber(ARGV[2])
                local tat = tonumber(redis.call('GET', KEYS[1]) or '')
                if tat == nil or tat < now then tat = now end
                local after = tat + interval * tonumber(ARGV[3])
                local ahead = after - now
                if ahead > limit then
                  return {0, math.floor((limit - (tat - now)) / interval), ahead - limit}
                end
                redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil(ahead / 1000))
                return {1, math.floor((limit - ahead) / interval), 0}
                """.trimIndent(),
            )

        /** SADD of ARGV[2..] that (re)sets the TTL ARGV[1] ms when it is not 0. */
        val SET_ADD =
            RedisScript(
                """
                local added = redis.call('SADD', KEYS[1], unpack(ARGV, 2))
                if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
                return added
                """.trimIndent(),
            )
    }
}

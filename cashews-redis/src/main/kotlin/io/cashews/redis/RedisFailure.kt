package io.cashews.redis

import io.lettuce.core.RedisCommandExecutionException
import io.lettuce.core.RedisCommandTimeoutException
import io.lettuce.core.RedisException
import java.io.IOException
import java.util.concurrent.TimeoutException
import javax.net.ssl.SSLException

/** What a failed Redis command means for the cache: the classes of DESIGN.md's "Redis" section. */
internal enum class RedisFailure {
    /** No answer in time: an outage, and one more step towards taking Redis as down (see [TimeoutBreaker]). */
    TIMEOUT,

    /** Unreachable, disconnected, or answering that it cannot serve now (loading, busy, failing over). */
    OUTAGE,

    /** The connection's configuration is refused: credentials, ACL permissions, database index, TLS. */
    CONFIGURATION,

    /** The command was refused for what is stored, or for its arguments: the caller's concern, never an outage. */
    DATA,

    /** Not a failure of Redis at all (a bug, a value the backend cannot send): passed on as it is. */
    OTHER,
    ;

    companion object {
        /** Error codes (the first word of a Redis error reply) of a server that cannot serve now but will. */
        private val AVAILABILITY =
            setOf(
                "LOADING",
                "BUSY",
                "MASTERDOWN",
                "READONLY",
                "CLUSTERDOWN",
                "TRYAGAIN",
                "MISCONF",
                "NOREPLICAS",
                "OOM",
            )

        /** Error codes of a connection whose credentials or permissions are refused. */
        private val REFUSED_CREDENTIALS = setOf("WRONGPASS", "NOAUTH", "NOPERM")

        fun of(e: Throwable): RedisFailure {
            val reply = serverReply(e)
            if (reply != null) {
                val code = reply.substringBefore(' ')
                return when {
                    code in AVAILABILITY -> OUTAGE
                    code in REFUSED_CREDENTIALS || isConfigurationReply(reply) -> CONFIGURATION
                    else -> DATA
                }
            }
            return when {
                causes(e).any { it is SSLException } -> CONFIGURATION

                // A connect whose initialisation timed out arrives wrapped in a connection exception.
                causes(e).any { it is RedisCommandTimeoutException || it is TimeoutException } -> TIMEOUT

                e is RedisException || e is IOException || causes(e).any { it is IOException } -> OUTAGE

                else -> OTHER
            }
        }

        /** The error reply Redis sent, as it sent it, when [e] carries one (also as the cause of a failed connect). */
        fun serverReply(e: Throwable): String? =
            causes(
                e,
            ).filterIsInstance<RedisCommandExecutionException>().firstOrNull()?.message?.takeIf { it.isNotBlank() }

        /** Why Redis refused the connection, in words that name no secret: the server's reply or the TLS failure. */
        fun configurationReason(e: Throwable): String {
            serverReply(e)?.let { return "Redis answered '$it'" }
            val tls = causes(e).firstOrNull { it is SSLException }
            if (tls != null) {
                return "the TLS handshake failed (${tls.javaClass.simpleName}: ${tls.message})"
            }
            return e.message.orEmpty()
        }

        private fun isConfigurationReply(reply: String): Boolean =
            "DB index is out of range" in reply ||
                "invalid DB index" in reply ||
                // AUTH sent to a server that has no password set.
                ("AUTH" in reply && "without any password configured" in reply)

        private fun causes(e: Throwable): Sequence<Throwable> =
            generateSequence(e) {
                it.cause?.takeIf { c -> c !== it }
            }.take(MAX_DEPTH)

        private const val MAX_DEPTH = 16
    }
}

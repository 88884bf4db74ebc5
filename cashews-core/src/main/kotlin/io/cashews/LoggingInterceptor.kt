package io.cashews

import kotlinx.coroutines.CancellationException
import org.slf4j.Logger
import org.slf4j.LoggerFactory

/**
 * Logs every command at DEBUG on [logger] (`io.cashews.commands` by default): the command and its keys, the
 * backend's prefix, the shape of the answer and how long it took, e.g.
 * `GET user:1 on '' -> hit in 12 µs`. Values are never logged; failures are logged with their exception and
 * rethrown. With DEBUG off, costs one level check per command.
 */
public class LoggingInterceptor
    @JvmOverloads
    constructor(
        private val logger: Logger = LoggerFactory.getLogger("io.cashews.commands"),
    ) : CacheInterceptor {
        override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
            if (!logger.isDebugEnabled) return chain.proceed(chain.command)
            val started = System.nanoTime()
            val result =
                try {
                    chain.proceed(chain.command)
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Throwable) {
                    logger.debug("{} on '{}' failed in {} µs", chain.command, chain.prefix, micros(started), e)
                    throw e
                }
            logger.debug(
                "{} on '{}' -> {} in {} µs",
                chain.command,
                chain.prefix,
                shape(chain.command, result),
                micros(started),
            )
            return result
        }

        private fun micros(started: Long): Long = (System.nanoTime() - started) / 1_000

        /** What the answer was, without its value. */
        private fun shape(command: CacheCommand<*>, result: Any?): String =
            when {
                command is CacheCommand.Get -> if (result == null) "miss" else "hit"
                result is List<*> -> "${result.count { it != null }} of ${result.size}"
                result is Collection<*> -> "${result.size} members"
                result is Boolean || result is Number || result is KeyTtl -> result.toString()
                else -> "done"
            }

        override fun toString(): String = "LoggingInterceptor(${logger.name})"
    }

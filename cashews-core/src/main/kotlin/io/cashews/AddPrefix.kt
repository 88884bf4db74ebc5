package io.cashews

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.map

/**
 * Stores every key behind [prefix] in the backend, invisibly to the cache: `get("user:1")` reads `"v2:user:1"`, and
 * scans match and return the keys without the prefix. A way to version a whole backend, or to share one Redis
 * database between applications.
 */
public class AddPrefix(
    /** What every key gets in front of it. */
    public val prefix: String,
) : CacheInterceptor {
    init {
        require(prefix.isNotEmpty()) { "the prefix to add must not be empty" }
    }

    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
        val command = chain.command
        val result = chain.proceed(command.withKeys { prefix + it })
        if (command !is CacheCommand.Scan) return result
        @Suppress("UNCHECKED_CAST")
        return (result as Flow<String>).map { it.removePrefix(prefix) } as R
    }

    override fun toString(): String = "AddPrefix('$prefix')"
}

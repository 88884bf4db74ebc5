package io.cashews

import java.util.Locale

/**
 * Lower-cases every key and pattern (in the root locale), so `"User:1"` and `"user:1"` are one entry. Scans return
 * the keys as stored, lower-cased.
 */
public class AllKeysLower : CacheInterceptor {
    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R =
        chain.proceed(chain.command.withKeys { it.lowercase(Locale.ROOT) })

    override fun toString(): String = "AllKeysLower"
}

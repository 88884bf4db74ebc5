package io.cashews.ktor.server

/** The name of a response-caching profile registered with [CashewsConfig.register] and used by [cached]. */
@JvmInline
public value class CacheProfileName(
    public val name: String,
)

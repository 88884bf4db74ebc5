package io.cashews

/**
 * The two ways a memory cache keeps values, for specs that must hold for both: as the objects given (the default)
 * and as bytes through a codec, as Redis and disk keep them. Each is a name and the setup parameters that make it.
 */
internal val valueModes: List<Pair<String, Map<String, Any?>>> =
    listOf("objects" to emptyMap(), "bytes" to mapOf("codec" to "json"))

/** A memory cache keeping values as [params] (one of [valueModes]) say. */
internal fun memoryCache(params: Map<String, Any?>): Cache = Cache().apply { setup("mem://", params = params) }

package io.cashews.ktor.server.internal

import java.security.MessageDigest

/** The directives of a request's `Cache-Control` that response caching obeys. */
internal class RequestCacheControl(
    val noStore: Boolean,
    val noCache: Boolean,
    /** `max-age` in seconds, or `null` when absent or malformed. */
    val maxAge: Long?,
) {
    companion object {
        val NONE = RequestCacheControl(noStore = false, noCache = false, maxAge = null)

        fun parse(values: List<String>?): RequestCacheControl {
            if (values.isNullOrEmpty()) return NONE
            var noStore = false
            var noCache = false
            var maxAge: Long? = null
            for (directive in values.flatMap { it.split(',') }) {
                val name = directive.substringBefore('=').trim().lowercase()
                when (name) {
                    "no-store" -> {
                        noStore = true
                    }

                    "no-cache" -> {
                        noCache = true
                    }

                    "max-age" -> {
                        maxAge =
                            directive
                                .substringAfter('=', "")
                                .trim()
                                .trim('"')
                                .toLongOrNull()
                                ?.takeIf { it >= 0 }
                    }
                }
            }
            return RequestCacheControl(noStore, noCache, maxAge)
        }
    }
}

/**
 * Whether `If-None-Match` [values] match the current [etag], by the weak comparison RFC 9110 §13.1.2 prescribes:
 * `*` matches any current representation, and `W/"x"` matches `"x"`.
 */
internal fun ifNoneMatches(values: List<String>?, etag: String): Boolean {
    if (values.isNullOrEmpty()) return false
    val opaque = etag.removePrefix("W/")
    return values.flatMap(::entityTags).any { it == "*" || it.removePrefix("W/") == opaque }
}

/** The entity tags of a list header value, splitting on commas outside quotes. */
private fun entityTags(value: String): List<String> {
    val tags = ArrayList<String>()
    var start = 0
    var quoted = false
    for (i in value.indices) {
        when (value[i]) {
            '"' -> {
                quoted = !quoted
            }

            ',' -> {
                if (!quoted) {
                    tags += value.substring(start, i).trim()
                    start = i + 1
                }
            }
        }
    }
    tags += value.substring(start).trim()
    return tags.filter { it.isNotEmpty() }
}

/** Whether a request's `Clear-Site-Data` asks to clear caches: `"cache"` or `"*"`, quoted as the spec says or not. */
internal fun clearsCache(values: List<String>?): Boolean =
    values
        .orEmpty()
        .flatMap {
            it.split(
                ',',
            )
        }.map { it.trim().trim('"').lowercase() }
        .any { it == "cache" || it == "*" }

/** A strong validator for [body]: a quoted hex SHA-256 prefix, the same for the same bytes in every process. */
internal fun strongEtag(body: ByteArray): String {
    val digest = MessageDigest.getInstance("SHA-256").digest(body)
    return digest.take(ETAG_BYTES).joinToString("", prefix = "\"", postfix = "\"") { "%02x".format(it) }
}

private const val ETAG_BYTES = 16

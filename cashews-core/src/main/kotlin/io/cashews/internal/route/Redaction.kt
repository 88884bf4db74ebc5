package io.cashews.internal.route

/**
 * Masks the secrets of a setup URL (the password of its user part, and parameters such as `secret` and `password`)
 * so that it can be quoted in errors and logs: `redis://app:s3cr3t@host/0?secret=k` shows as
 * `redis://app:***@host/0?secret=***`.
 */
internal object Redaction {
    private const val MASK = "***"

    /** Parameter names whose values are secrets (lower case, as setup URLs are read). */
    private val SECRET_PARAMETERS = setOf("secret", "hash_key", "password", "pass", "passwd", "token")

    fun isSecret(parameter: String): Boolean = parameter.lowercase() in SECRET_PARAMETERS

    fun url(url: String): String {
        val schemeEnd = url.indexOf("://")
        if (schemeEnd < 0) return url
        val authorityStart = schemeEnd + 3
        val queryStart = url.indexOf('?', authorityStart).let { if (it < 0) url.length else it }
        val at = url.lastIndexOf('@', queryStart - 1)
        val address =
            if (at < authorityStart) {
                url.substring(0, queryStart)
            } else {
                val userInfo = url.substring(authorityStart, at)
                val colon = userInfo.indexOf(':')
                val shown = if (colon < 0) MASK else userInfo.substring(0, colon) + ":" + MASK
                url.substring(0, authorityStart) + shown + url.substring(at, queryStart)
            }
        if (queryStart == url.length) return address
        val query =
            url.substring(queryStart + 1).split('&').joinToString("&") { part ->
                val eq = part.indexOf('=')
                if (eq > 0 && isSecret(part.substring(0, eq))) part.substring(0, eq + 1) + MASK else part
            }
        return "$address?$query"
    }
}

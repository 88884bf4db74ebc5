package io.cashews.internal.route

import io.cashews.SetupError
import java.net.URLDecoder
import java.nio.charset.StandardCharsets

/** A setup URL split into scheme, address (everything before `?`) and decoded, lower-cased query parameters. */
internal class SetupUrl(val scheme: String, val address: String, val params: Map<String, String>) {
    companion object {
        fun parse(url: String): SetupUrl {
            if (url.isEmpty()) return SetupUrl("", "", emptyMap())
            val shown = Redaction.url(url)
            val schemeEnd = url.indexOf("://")
            if (schemeEnd <
                0
            ) {
                throw SetupError("setup URL '$shown' has no scheme: expected e.g. 'mem://' or 'redis://host'")
            }
            val scheme = url.substring(0, schemeEnd).lowercase()
            if (scheme.isNotEmpty() && !scheme.all { it.isLetterOrDigit() || it == '+' || it == '-' || it == '.' }) {
                throw SetupError("setup URL '$shown' has an invalid scheme '$scheme'")
            }
            val queryStart = url.indexOf('?')
            val address = if (queryStart < 0) url else url.substring(0, queryStart)
            val params = LinkedHashMap<String, String>()
            if (queryStart >= 0) {
                for (part in url.substring(queryStart + 1).split('&')) {
                    if (part.isEmpty()) continue
                    val eq = part.indexOf('=')
                    if (eq <=
                        0
                    ) {
                        throw SetupError("setup URL '$shown' has a malformed parameter '$part': expected name=value")
                    }
                    val name = decode(shown, part.substring(0, eq)).lowercase()
                    if (params.put(name, decode(shown, part.substring(eq + 1))) != null) {
                        throw SetupError("setup URL '$shown' gives parameter '$name' more than once")
                    }
                }
            }
            return SetupUrl(scheme, address, params)
        }

        private fun decode(shown: String, text: String): String =
            try {
                URLDecoder.decode(text, StandardCharsets.UTF_8)
            } catch (e: IllegalArgumentException) {
                throw SetupError("setup URL '$shown' has a badly escaped part '$text'", e)
            }
    }
}

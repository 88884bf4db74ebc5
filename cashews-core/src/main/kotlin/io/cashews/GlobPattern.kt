package io.cashews

/**
 * Redis glob matching, as `KEYS`/`SCAN MATCH` do it: `*` any run, `?` one character, `[abc]`, `[a-z]`, `[^a]`
 * classes, and `\` escaping the next character. For backends other than Redis, so that patterns mean the same on
 * every backend.
 */
public class GlobPattern(
    private val pattern: String,
) {
    /** The one key the pattern matches when it has no wildcard (callers can skip a scan), else `null`. */
    public val literal: String? =
        if (pattern.none {
                it == '*' || it == '?' || it == '[' || it == '\\'
            }
        ) {
            pattern
        } else {
            null
        }

    /** Whether [text] matches the pattern. */
    public fun matches(text: String): Boolean {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while (t < text.length) {
            if (p < pattern.length) {
                when (pattern[p]) {
                    '*' -> {
                        starP = p++
                        starT = t
                        continue
                    }

                    '?' -> {
                        p++
                        t++
                        continue
                    }

                    '[' -> {
                        val next = matchClass(p, text[t])
                        if (next >= 0) {
                            p = next
                            t++
                            continue
                        }
                    }

                    '\\' -> {
                        if (p + 1 < pattern.length && pattern[p + 1] == text[t]) {
                            p += 2
                            t++
                            continue
                        }
                        if (p + 1 == pattern.length && text[t] == '\\') {
                            p++
                            t++
                            continue
                        }
                    }

                    else -> {
                        if (pattern[p] == text[t]) {
                            p++
                            t++
                            continue
                        }
                    }
                }
            }
            if (starP < 0) return false
            p = starP + 1
            t = ++starT
        }
        while (p < pattern.length && pattern[p] == '*') p++
        return p == pattern.length
    }

    /** Index just after the class opened at [open] if it admits [c], else -1. An unclosed class runs to the end. */
    private fun matchClass(open: Int, c: Char): Int {
        var i = open + 1
        val negate = i < pattern.length && pattern[i] == '^'
        if (negate) i++
        var found = false
        while (i < pattern.length && pattern[i] != ']') {
            if (pattern[i] == '\\' && i + 1 < pattern.length) {
                if (pattern[i + 1] == c) found = true
                i += 2
            } else if (i + 2 < pattern.length && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
                val low = minOf(pattern[i], pattern[i + 2])
                val high = maxOf(pattern[i], pattern[i + 2])
                if (c in low..high) found = true
                i += 3
            } else {
                if (pattern[i] == c) found = true
                i++
            }
        }
        val next = if (i < pattern.length) i + 1 else pattern.length
        return if (found != negate) next else -1
    }
}

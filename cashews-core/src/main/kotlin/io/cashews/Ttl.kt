package io.cashews

import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/**
 * The TTL grammar shared by every command, strategy and setup parameter.
 *
 * Accepted forms:
 * - a sequence of `<digits><unit>` groups with units `d`, `h`, `m`, `s` and `ms`, case-insensitive:
 *   `"1d2h3m50s"`, `"500ms"`, `"90s"`, `" 5M "` (surrounding blanks are trimmed);
 * - plain digits, read as seconds: `"80"`;
 * - ISO-8601 durations as [Duration.parseIsoString] reads them: `"PT1H"`, `"P1DT2H"`.
 *
 * Every TTL must be positive. Anything else fails with [InvalidTtlError] quoting the input, including a number
 * without a unit after a unit (`"1h30"`: the reference silently ignored the `30`), `""`, `"-5s"` and `"0"`.
 */
public object Ttl {
    /**
     * [parse] answering a [java.time.Duration]; Java calls it as `Ttl.parse("3h")`, since the Kotlin form's name is
     * mangled for its Kotlin `Duration`.
     */
    @JvmStatic
    @JvmName("parse")
    public fun parseJavaDuration(text: String): java.time.Duration = parse(text).toJavaDuration()

    /** Parses [text] by the grammar above. */
    @JvmStatic
    public fun parse(text: String): Duration {
        val trimmed = text.trim()
        if (trimmed.isEmpty()) throw invalid(text, "it is empty")
        val parsed =
            if (trimmed[0] == 'P' || trimmed[0] == 'p') {
                parseIso(text, trimmed)
            } else {
                parseUnits(text, trimmed.lowercase())
            }
        return requirePositive(parsed, text)
    }

    /** Returns [ttl] if it is positive (infinite counts); otherwise fails with [InvalidTtlError]. */
    @JvmStatic
    public fun requirePositive(ttl: Duration): Duration = requirePositive(ttl, ttl.toString())

    /** A TTL of [seconds] whole seconds; must be positive. */
    @JvmStatic
    public fun ofSeconds(seconds: Long): Duration {
        if (seconds <= 0) throw InvalidTtlError("TTL '$seconds' is not valid: it must be positive")
        return seconds.seconds
    }

    private fun requirePositive(ttl: Duration, shown: String): Duration {
        if (!ttl.isPositive()) throw InvalidTtlError("TTL '$shown' is not valid: it must be positive")
        return ttl
    }

    private fun parseIso(original: String, trimmed: String): Duration =
        try {
            Duration.parseIsoString(trimmed.uppercase())
        } catch (e: IllegalArgumentException) {
            throw invalid(original, "it is not an ISO-8601 duration (${e.message})")
        }

    private fun parseUnits(original: String, text: String): Duration {
        if (text.all { it in '0'..'9' }) return number(original, text).seconds
        var total = Duration.ZERO
        var i = 0
        while (i < text.length) {
            val start = i
            while (i < text.length && text[i] in '0'..'9') i++
            if (i == start) throw invalid(original, "expected a number at '${text.substring(start)}'")
            if (i == text.length) {
                throw invalid(original, "the number '${text.substring(start)}' has no unit (d, h, m, s or ms)")
            }
            val amount = number(original, text.substring(start, i))
            val unit =
                when {
                    text.startsWith("ms", i) -> 2
                    text[i] in "dhms" -> 1
                    else -> throw invalid(original, "'${text[i]}' is not a unit (d, h, m, s or ms)")
                }
            total +=
                when (text.substring(i, i + unit)) {
                    "d" -> amount.days
                    "h" -> amount.hours
                    "m" -> amount.minutes
                    "s" -> amount.seconds
                    else -> amount.milliseconds
                }
            i += unit
        }
        if (total.isInfinite()) throw invalid(original, "it is too long")
        return total
    }

    private fun number(original: String, digits: String): Long =
        digits.toLongOrNull()?.takeIf { it < MAX_AMOUNT } ?: throw invalid(original, "'$digits' is too large")

    private fun invalid(text: String, why: String) = InvalidTtlError("TTL '$text' is not valid: $why")

    // Keeps every unit multiplication far from Long overflow; 10^12 days is longer than any cache should live.
    private const val MAX_AMOUNT = 1_000_000_000_000L
}

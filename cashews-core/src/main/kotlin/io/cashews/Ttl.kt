package io.cashews

import java.math.BigDecimal
import java.math.RoundingMode
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/**
 * The TTL grammar shared by every command, strategy and setup parameter.
 *
 * Accepted forms, case-insensitive, surrounding blanks trimmed:
 * - amounts with units, in any order, with or without blanks between them: `"1d2h3m50s"`, `"500ms"`,
 *   `"1 day 42 minutes 6 seconds"`, `"1m 10h 10s"`, `"10minutes"`. Units: `ms` (`millis`, `millisecond[s]`), `s`
 *   (`sec[s]`, `second[s]`), `m` (`min[s]`, `minute[s]`), `h` (`hr[s]`, `hour[s]`), `d` (`day[s]`) and `w`
 *   (`week[s]`); `m` is always minutes. Amounts may have a fraction: `"1.5h"`;
 * - a plain number, read as seconds, fraction allowed: `"80"`, `"0.5"` (setup timeouts written as redis-py takes them);
 * - ISO-8601 durations in days, hours, minutes and seconds, each with a fraction if wanted: `"PT1H"`, `"P1DT2H"`,
 *   `"P0.5D"`, `"PT0.000005S"`. Years, months and weeks are refused, having no fixed length.
 *
 * Every TTL must be positive and is kept to the nanosecond. Anything else fails with [InvalidTtlError] quoting the
 * input, including a number without a unit after a unit (`"1h30"`: the reference silently ignored the `30`), `""`,
 * `"-5s"` and `"0"`.
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
    public fun requirePositive(ttl: Duration): Duration {
        // Shown only when refused: policies and transactions check their TTLs on every call.
        if (!ttl.isPositive()) throw InvalidTtlError("TTL '$ttl' is not valid: it must be positive")
        return ttl
    }

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

    private fun parseIso(original: String, trimmed: String): Duration {
        val match =
            ISO.matchEntire(trimmed.uppercase())
                ?: throw invalid(
                    original,
                    "it is not an ISO-8601 duration in days, hours, minutes and seconds (e.g. PT1H, P0.5D)",
                )
        val (days, hours, minutes, seconds) = match.destructured
        if (days.isEmpty() && hours.isEmpty() && minutes.isEmpty() && seconds.isEmpty()) {
            throw invalid(original, "it names no amount")
        }
        var total = Duration.ZERO
        for ((amount, nanos) in listOf(days to DAY, hours to HOUR, minutes to MINUTE, seconds to SECOND)) {
            if (amount.isNotEmpty()) total += scaled(original, amount, nanos)
        }
        return total
    }

    private fun parseUnits(original: String, text: String): Duration {
        if (AMOUNT.matches(text)) return scaled(original, text, SECOND)
        var total = Duration.ZERO
        var i = 0
        while (i < text.length) {
            while (i < text.length && text[i] == ' ') i++
            if (i == text.length) break
            val start = i
            while (i < text.length && (text[i] in '0'..'9' || text[i] == '.')) i++
            if (i == start) throw invalid(original, "expected a number at '${text.substring(start)}'")
            val amount = text.substring(start, i)
            while (i < text.length && text[i] == ' ') i++
            val unitStart = i
            while (i < text.length && text[i] in 'a'..'z') i++
            if (unitStart == i) {
                throw invalid(original, "the number '$amount' has no unit (d, h, m, s, ms or w)")
            }
            val unit = text.substring(unitStart, i)
            val nanos = UNITS[unit] ?: throw invalid(original, "'$unit' is not a unit (d, h, m, s, ms or w)")
            total += scaled(original, amount, nanos)
        }
        if (total.isInfinite()) throw invalid(original, "it is too long")
        return total
    }

    /** [amount] (digits, maybe a fraction) times [unitNanos], to the nanosecond. */
    private fun scaled(original: String, amount: String, unitNanos: Long): Duration {
        if (!AMOUNT.matches(amount)) throw invalid(original, "'$amount' is not a number")
        val nanos = BigDecimal(amount).multiply(BigDecimal.valueOf(unitNanos))
        if (nanos <= MAX_UNITS) return nanos.setScale(0, RoundingMode.HALF_UP).toLong().nanoseconds
        // Past about 146 years a Duration keeps milliseconds; past that range, nothing a cache should keep.
        val millis = nanos.movePointLeft(6).setScale(0, RoundingMode.HALF_UP)
        if (millis > MAX_UNITS) throw invalid(original, "'$amount' is too large")
        return millis.toLong().milliseconds
    }

    private fun invalid(text: String, why: String) = InvalidTtlError("TTL '$text' is not valid: $why")

    private const val SECOND = 1_000_000_000L
    private const val MINUTE = 60 * SECOND
    private const val HOUR = 60 * MINUTE
    private const val DAY = 24 * HOUR

    private val UNITS: Map<String, Long> =
        buildMap {
            for (name in listOf("ms", "millis", "millisecond", "milliseconds")) put(name, 1_000_000L)
            for (name in listOf("s", "sec", "secs", "second", "seconds")) put(name, SECOND)
            for (name in listOf("m", "min", "mins", "minute", "minutes")) put(name, MINUTE)
            for (name in listOf("h", "hr", "hrs", "hour", "hours")) put(name, HOUR)
            for (name in listOf("d", "day", "days")) put(name, DAY)
            for (name in listOf("w", "week", "weeks")) put(name, 7 * DAY)
        }

    private val AMOUNT = Regex("""\d+(\.\d+)?""")
    private val ISO = Regex("""P(?:([\d.]+)D)?(?:T(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?)?""")

    // How many nanoseconds a Duration holds exactly, and (past that) how many milliseconds.
    private val MAX_UNITS = BigDecimal.valueOf(Long.MAX_VALUE / 2)
}

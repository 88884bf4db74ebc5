package io.cashews

import java.math.BigDecimal
import java.math.RoundingMode
import java.time.DateTimeException
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.LocalTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.ZonedDateTime
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeFormatterBuilder
import java.time.format.ResolverStyle
import java.time.temporal.ChronoField
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * When a stored value stops being served, in every form aquiche's `expiration` takes: a TTL ([After]), a point in
 * time ([At]), a time of day ([DailyAt]), never ([Never]) or at once, so nothing is stored ([Expired]). Give it to
 * `cached` as `expiry`, or compute one per load from a [LoadedItem] ([TtlRule.FromLoad]).
 *
 * Points in time are read on the cache's wall clock ([Cache.epochMillis]), which a test time source moves.
 */
public sealed class Expiry {
    /**
     * The TTL of a value stored at [now]; `null` when it is not to be stored (already past, or [Expired]).
     */
    internal abstract fun ttlAt(now: Instant): Duration?

    /** Kept for [ttl] after it is stored. */
    public class After(
        /** How long a stored value is kept: positive, or infinite. */
        public val ttl: Duration,
    ) : Expiry() {
        init {
            Ttl.requirePositive(ttl)
        }

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

        override fun ttlAt(now: Instant): Duration = ttl

        override fun toString(): String = ttl.toString()
    }

    /** Kept until [instant]; a value loaded after it is returned but not stored. */
    public class At(
        /** When stored values expire. */
        public val instant: Instant,
    ) : Expiry() {
        override fun ttlAt(now: Instant): Duration? = until(now, instant)

        override fun toString(): String = "at $instant"
    }

    /** Kept until the next [time] of day in [zone] (aquiche's `time` expiration): `DailyAt(15:30, Europe/Paris)`. */
    public class DailyAt(
        /** The time of day stored values expire at. */
        public val time: LocalTime,
        /** The zone [time] is read in. */
        public val zone: ZoneId,
    ) : Expiry() {
        override fun ttlAt(now: Instant): Duration? {
            val today = now.atZone(zone).toLocalDate()
            // A time skipped by a daylight-saving change resolves to the moment after the gap, as ZonedDateTime does.
            var next = ZonedDateTime.of(today, time, zone)
            if (!next.toInstant().isAfter(now)) next = ZonedDateTime.of(today.plusDays(1), time, zone)
            return until(now, next.toInstant())
        }

        override fun toString(): String = "daily at $time $zone"
    }

    /** Kept until evicted (aquiche's `False` and `None`). */
    public object Never : Expiry() {
        override fun ttlAt(now: Instant): Duration = Duration.INFINITE

        override fun toString(): String = "never"
    }

    /** Expired at once: the value is returned but not stored, so the next call loads again (aquiche's `True`). */
    public object Expired : Expiry() {
        override fun ttlAt(now: Instant): Duration? = null

        override fun toString(): String = "expired"
    }

    public companion object {
        /** Kept for [ttl]. */
        @JvmStatic
        public fun after(ttl: Duration): Expiry = After(ttl)

        /** Kept for [ttl], from Java. */
        @JvmStatic
        public fun after(ttl: java.time.Duration): Expiry = After(ttl.toKotlinDuration())

        /** Kept until [instant]. */
        @JvmStatic
        public fun at(instant: Instant): Expiry = At(instant)

        /** Kept until [dateTime] in UTC, as aquiche reads a date-time without a zone. */
        @JvmStatic
        public fun at(dateTime: LocalDateTime): Expiry = At(dateTime.toInstant(ZoneOffset.UTC))

        /** Kept until the start of [date] in UTC. */
        @JvmStatic
        public fun at(date: LocalDate): Expiry = At(date.atStartOfDay(ZoneOffset.UTC).toInstant())

        /** Kept until [epochSeconds] seconds after the epoch, fraction allowed: `atEpochSecond(1494012444.883309)`. */
        @JvmStatic
        public fun atEpochSecond(epochSeconds: Double): Expiry {
            require(epochSeconds.isFinite()) { "epoch seconds must be finite, was $epochSeconds" }
            // The shortest decimal that reads back as this double: 1494012444.883309, not its binary neighbour.
            val exact = BigDecimal(epochSeconds.toString())
            val whole = exact.setScale(0, RoundingMode.FLOOR)
            val nanos =
                exact
                    .subtract(whole)
                    .movePointRight(9)
                    .setScale(0, RoundingMode.HALF_UP)
                    .toLong()
            return At(Instant.ofEpochSecond(whole.longValueExact(), nanos))
        }

        /** Kept until the next [time] of day in [zone] (UTC unless given). */
        @JvmStatic
        @JvmOverloads
        public fun dailyAt(time: LocalTime, zone: ZoneId = ZoneOffset.UTC): Expiry = DailyAt(time, zone)

        /** aquiche's boolean expirations: `true` is [Expired] (load again), `false` is [Never]. */
        @JvmStatic
        public fun of(expired: Boolean): Expiry = if (expired) Expired else Never

        /**
         * Parses the text forms aquiche takes, reading date-times and times without an offset in [zone] (UTC unless
         * given):
         * - a date-time, ISO-8601 or with a blank for the `T`, seconds and fraction optional, offset optional:
         *   `"2030-04-23T09:15:00Z"`, `"2030-4-9 4:8:16-0320"`, `"2030-04-23T10:20:30.4+02:30"`;
         * - a date, `"2030-04-23"`: kept until that day starts;
         * - a time of day, offset optional, or followed by a zone: `"15:30"`, `"11:05:00Z"`, `"11:05-06"`,
         *   `"15:30 Europe/Paris"`: kept until it is next that time;
         * - anything else in the [Ttl] grammar: `"10minutes"`, `"1 day 42 minutes 6 seconds"`, `"P0.5D"`, `"90"`.
         *
         * Anything else fails with [InvalidTtlError] quoting [text] and listing the forms.
         */
        @JvmStatic
        @JvmOverloads
        public fun parse(
            text: String,
            zone: ZoneId = ZoneOffset.UTC,
        ): Expiry {
            val trimmed = text.trim()
            try {
                DATE_TIME.matchEntire(trimmed)?.let { return At(dateTime(it, zone)) }
                DATE
                    .matchEntire(
                        trimmed,
                    )?.let { return At(LocalDate.parse(it.value, LENIENT_DATE).atStartOfDay(zone).toInstant()) }
                TIME.matchEntire(trimmed)?.let { return timeOfDay(it, zone) }
            } catch (e: DateTimeException) {
                throw InvalidTtlError("expiration '$text' is not valid: ${e.message}")
            }
            return try {
                After(Ttl.parse(trimmed))
            } catch (e: InvalidTtlError) {
                throw InvalidTtlError(
                    "expiration '$text' is not valid: it is not a date-time (2030-04-23T09:15Z), " +
                        "a date (2030-04-23), " +
                        "a time of day (15:30, 11:05Z, 15:30 Europe/Paris) or a TTL (${e.message})",
                )
            }
        }

        private fun dateTime(match: MatchResult, zone: ZoneId): Instant {
            val (date, time, offset) = match.destructured
            val local = LocalDateTime.of(LocalDate.parse(date, LENIENT_DATE), LocalTime.parse(time, LENIENT_TIME))
            return if (offset.isEmpty()) {
                local
                    .atZone(
                        zone,
                    ).toInstant()
            } else {
                OffsetDateTime.of(local, offset(offset)).toInstant()
            }
        }

        private fun timeOfDay(match: MatchResult, zone: ZoneId): Expiry {
            val (time, offset, zoneId) = match.destructured
            val at =
                when {
                    offset.isNotEmpty() -> offset(offset)
                    zoneId.isNotEmpty() -> ZoneId.of(zoneId)
                    else -> zone
                }
            return DailyAt(LocalTime.parse(time, LENIENT_TIME), at)
        }

        /** `Z`, `+06`, `-0530` or `-05:30` as an offset. */
        private fun offset(text: String): ZoneOffset {
            if (text == "Z" || text == "z") return ZoneOffset.UTC
            val digits = text.substring(1).replace(":", "")
            val hours = digits.take(2).toInt()
            val minutes = digits.drop(2).ifEmpty { "0" }.toInt()
            val sign = if (text[0] == '-') -1 else 1
            return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes)
        }

        /** The TTL from [now] to [end], or `null` when [end] is not after [now]. */
        private fun until(now: Instant, end: Instant): Duration? {
            if (!end.isAfter(now)) return null
            return java.time.Duration
                .between(now, end)
                .toKotlinDuration()
                .takeIf { it.isPositive() } ?: 1.nanoseconds
        }

        private const val TIME_PART = """\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d{1,9})?)?"""
        private const val OFFSET_PART = """[Zz]|[+-]\d{2}(?::?\d{2})?"""
        private val DATE_TIME = Regex("""(\d{4}-\d{1,2}-\d{1,2})[Tt ]($TIME_PART)($OFFSET_PART)?""")
        private val DATE = Regex("""\d{4}-\d{1,2}-\d{1,2}""")
        private val TIME = Regex("""($TIME_PART)(?:($OFFSET_PART)|\s+([A-Za-z][\w/+-]*))?""")

        private val LENIENT_DATE: DateTimeFormatter =
            DateTimeFormatter
                .ofPattern(
                    "uuuu-M-d",
                ).withResolverStyle(ResolverStyle.STRICT)
        private val LENIENT_TIME: DateTimeFormatter =
            DateTimeFormatterBuilder()
                .appendPattern("H:m")
                .optionalStart()
                .appendPattern(":s")
                .optionalStart()
                .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
                .optionalEnd()
                .optionalEnd()
                .toFormatter()
                .withResolverStyle(ResolverStyle.STRICT)
    }
}

/**
 * What a load produced, as an expiration function ([TtlRule.FromLoad]) sees it (aquiche's `CachedItem`): the [value]
 * or the [failure], and when it was fetched.
 */
public class LoadedItem<out T>(
    /** The loaded value; `null` when the load [failed]. */
    public val value: T?,
    /** The load's exception when it failed (stored only when the strategy's condition stores it), else `null`. */
    public val failure: Throwable?,
    /** When the load finished, on the cache's wall clock. */
    public val fetchedAt: Instant,
) {
    /** Whether the load failed. */
    public val failed: Boolean get() = failure != null

    override fun toString(): String =
        "LoadedItem(${if (failed) "failure=$failure" else "value=$value"}, fetchedAt=$fetchedAt)"
}

package io.cashews

import io.cashews.internal.route.Redaction
import kotlinx.coroutines.CoroutineScope
import kotlin.time.Duration
import kotlin.time.TimeSource

/**
 * A parsed setup URL as a [BackendProvider] sees it: the scheme, the URL without its query string, and typed access
 * to the parameters (query parameters overridden by explicit arguments, names lower-cased).
 *
 * Every accessor names the parameter in its error. Parameters that no accessor reads are unknown to the backend and
 * make [Cache.setup] fail with a [SetupError] that lists them.
 */
public class BackendSettings internal constructor(
    /** The URL scheme, lower case; empty for the disabled-cache URL `"://"`. */
    public val scheme: String,
    /** The URL without its query string, e.g. `redis://localhost:6379/0`. */
    public val address: String,
    private val params: Map<String, String>,
    /** The cache's time source: backends that keep time themselves must use it, so tests can run in virtual time. */
    public val timeSource: TimeSource,
    /**
     * Where backends run their background work (expiry sweeps, probes): the cache's own scope, so that work stops
     * with the cache and, under a test dispatcher, runs in virtual time.
     */
    public val scope: CoroutineScope,
) {
    private val read = HashSet<String>()

    /** [address] with the password of its user part masked: what errors and logs may quote. */
    public val shownAddress: String get() = Redaction.url(address)

    /** The raw value of [name], or `null` when absent. */
    public fun string(name: String): String? {
        read += name
        return params[name]
    }

    /** An integer parameter within [range], or [default] when absent. */
    public fun long(name: String, default: Long, range: LongRange = Long.MIN_VALUE..Long.MAX_VALUE): Long {
        val raw = string(name) ?: return default
        val value = raw.trim().toLongOrNull() ?: throw bad(name, raw, "an integer")
        if (value !in range) throw bad(name, raw, "an integer in ${range.first}..${range.last}")
        return value
    }

    /** A boolean parameter: `1/true/yes/on` or `0/false/no/off` (any case), or [default] when absent. */
    public fun boolean(name: String, default: Boolean): Boolean {
        val raw = string(name) ?: return default
        return parseBoolean(raw) ?: throw bad(name, raw, "a boolean (1/true/yes/on or 0/false/no/off)")
    }

    /** A duration in the [Ttl] grammar (plain digits are seconds); `"0"` gives `null` when [zeroMeansNone]. */
    public fun duration(name: String, default: Duration?, zeroMeansNone: Boolean = false): Duration? {
        val raw = string(name) ?: return default
        if (zeroMeansNone && raw.trim() == "0") return null
        return try {
            Ttl.parse(raw)
        } catch (e: InvalidTtlError) {
            throw SetupError("setup parameter '$name' is not valid: ${e.message}", e)
        }
    }

    /**
     * A size in bytes: plain digits, or with a unit `b`, `kb`/`k`, `mb`/`m`, `gb`/`g` (binary multiples: `512mb`),
     * or [default] when absent.
     */
    public fun bytes(name: String, default: Long?): Long? {
        val raw = string(name) ?: return default
        val match = SIZE.matchEntire(raw.trim().lowercase()) ?: throw bad(name, raw, "bytes like 500000, 512mb or 2gb")
        val (digits, unit) = match.destructured
        val scale =
            when (unit) {
                "", "b" -> 1L
                "kb", "k" -> 1L shl 10
                "mb", "m" -> 1L shl 20
                else -> 1L shl 30
            }
        val count =
            digits.toLongOrNull()?.takeIf { it <= Long.MAX_VALUE / scale } ?: throw bad(name, raw, "fewer bytes")
        return count * scale
    }

    /** One of [choices] (case-insensitive), or [default] when absent. */
    public fun choice(name: String, choices: Collection<String>, default: String): String {
        val raw = string(name) ?: return default
        val value = raw.trim().lowercase()
        if (value !in choices) throw bad(name, raw, "one of ${choices.joinToString(", ")}")
        return value
    }

    internal fun unread(): Set<String> = params.keys - read

    private fun bad(name: String, raw: String, expected: String) =
        SetupError(
            "setup parameter '$name' has value '${if (Redaction.isSecret(name)) "***" else raw}', expected $expected",
        )

    internal companion object {
        private val SIZE = Regex("""(\d+)\s*(b|k|kb|m|mb|g|gb)?""")

        fun parseBoolean(raw: String): Boolean? =
            when (raw.trim().lowercase()) {
                "1", "true", "yes", "on" -> true
                "0", "false", "no", "off" -> false
                else -> null
            }
    }
}

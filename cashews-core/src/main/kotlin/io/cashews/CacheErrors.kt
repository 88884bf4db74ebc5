package io.cashews

import kotlin.time.toJavaDuration

/**
 * The base of every error this library raises on purpose. Each subclass names the bad value in its message, so a
 * log line is enough to find the mistake.
 */
public open class CacheError(message: String, cause: Throwable? = null) : RuntimeException(message, cause)

/** A setup URL, a setup parameter or a backend option is invalid: unknown scheme, unknown or malformed parameter. */
public class SetupError(message: String, cause: Throwable? = null) : CacheError(message, cause)

/** A setup URL names a backend whose module is not on the classpath; the message names the artifact to add. */
public class BackendNotAvailableError(message: String) : CacheError(message)

/** A command was sent to a cache that has no backend for it: nothing set up, or no prefix matches the key. */
public class NotConfiguredError(message: String) : CacheError(message)

/** A TTL (a string, a number of seconds or a [kotlin.time.Duration]) is not positive or cannot be parsed. */
public class InvalidTtlError(message: String) : CacheError(message)

/** `incr` found a value at the key that is not an integer, or the increment would overflow. The value is unchanged. */
public class NotAnIntegerError(message: String) : CacheError(message)

/** A value could not be encoded by the configured codec (for example a class the codec has no serializer for). */
public class CodecError(message: String, cause: Throwable? = null) : CacheError(message, cause)

/**
 * A signed value failed its signature check: it was changed in the store, copied from another key, or signed with
 * another secret. Raised by reads unless the cache was set up with `on_tampered=miss`.
 */
public class UnsecureDataError(message: String) : CacheError(message)

/** A lock is held by someone else and the caller asked not to wait, or waited for longer than it allowed. */
public open class LockedError(message: String) : CacheError(message)

/**
 * A [Cache.transaction] waited [timeout] for the lock of [key] (held by another transaction) and gave up. The
 * transaction is rolled back: nothing it wrote is applied, and the locks it held are released.
 */
public class TransactionLockTimeoutError(
    /** The key whose lock could not be taken (`*` for the single lock of a serializable transaction). */
    public val key: String,
    /** How long the transaction waited. */
    public val timeout: kotlin.time.Duration,
) : LockedError("transaction could not lock key '$key' within $timeout: a long transaction holds it, or a deadlock") {
    /** [timeout] for Java, where the property's getter has a mangled name. */
    @JvmName("getTimeout")
    public fun timeoutJavaDuration(): java.time.Duration = timeout.toJavaDuration()
}

/** The backend does not implement a capability a command needs (a custom backend without locks, for example). */
public class UnsupportedCommandError(message: String) : CacheError(message)

/**
 * A backend could not be reached, did not answer in time, or answered that it cannot serve now (a dataset loading, a
 * failover under way): an outage. Plain commands answer neutrally instead while `suppress` is on (the default);
 * locks, rate limits and breakers follow their [OutagePolicy]. The message names the backend and what happened; no
 * type of the backend's client library is attached.
 */
public class BackendUnavailableError(message: String, cause: Throwable? = null) : CacheError(message, cause)

/**
 * A backend refused its configuration: a wrong password or ACL user, a database index it does not have, a TLS
 * handshake with a server that does not speak TLS. Not an outage, so it is neither retried nor answered neutrally:
 * every command fails with it at once (and the backend tries its configuration again now and then, so a fix on
 * the server side is picked up). The message quotes the server's own words and never a secret.
 */
public class BackendConfigurationError(message: String) : CacheError(message)

/**
 * A backend refused a command for what is stored (a key holding another type, for example): the message names the
 * command, the key and the server's words. Not an outage: it is never answered neutrally.
 */
public class BackendCommandError(
    /** The command refused, e.g. `GET`. */
    public val command: String,
    /** The key it was sent for, or `null` for a command without one. */
    public val key: String?,
    message: String,
) : CacheError(message)

/** A loader asked for the key it is loading: waiting for itself would never end, so the call fails at once. */
public class ReentrantLoadError(message: String) : CacheError(message)

/**
 * A cached exception replayed from a byte backend whose class could not be rebuilt: it carries the original class
 * name and message. In an in-memory cache the original exception object itself is thrown again.
 */
public class CachedFailureError(
    /** The class name of the exception that was cached. */
    public val type: String,
    message: String?,
) : CacheError("cached failure $type: $message")

/** A key template is malformed, names an unknown filter or placeholder, or cannot render a value it was given. */
public class KeyTemplateError(message: String, cause: Throwable? = null) : CacheError(message, cause)

/**
 * A call was refused by a rate limit: [limit] calls per [period] were already made under [key]. [retryAfter] is how
 * long until calls are admitted again, when the backend can tell.
 *
 * It carries no stack trace: it is an expected answer made on every refusal, and a stack trace would cost more than
 * the decision itself. Its message names the key.
 */
public class RateLimitError(
    /** The key the calls are counted under. */
    public val key: String,
    /** The number of calls admitted per [period]. */
    public val limit: Long,
    /** The window the calls are counted in. */
    public val period: kotlin.time.Duration,
    /** How long until the next call can pass, or `null` when unknown. */
    public val retryAfter: kotlin.time.Duration?,
) : CacheError(
        "rate limit of $limit per $period reached for '$key'" + (retryAfter?.let { "; retry after $it" } ?: ""),
    ) {
    /** [period] for Java, where the property's getter has a mangled name. */
    @JvmName("getPeriod")
    public fun periodJavaDuration(): java.time.Duration = period.toJavaDuration()

    /** [retryAfter] for Java, where the property's getter has a mangled name. */
    @JvmName("getRetryAfter")
    public fun retryAfterJavaDuration(): java.time.Duration? = retryAfter?.toJavaDuration()

    override fun fillInStackTrace(): Throwable = this
}

/**
 * A call was refused because the circuit breaker at [key] is open (or half-open with its trial calls taken).
 * [retryAfter] is how long until calls are tried again, when known.
 */
public class CircuitBreakerOpen(
    /** The key the breaker keeps its state under. */
    public val key: String,
    /** How long until the breaker lets calls through again, or `null` when unknown. */
    public val retryAfter: kotlin.time.Duration?,
) : CacheError("circuit breaker '$key' is open" + (retryAfter?.let { "; retry after $it" } ?: "")) {
    /** [retryAfter] for Java, where the property's getter has a mangled name. */
    @JvmName("getRetryAfter")
    public fun retryAfterJavaDuration(): java.time.Duration? = retryAfter?.toJavaDuration()
}

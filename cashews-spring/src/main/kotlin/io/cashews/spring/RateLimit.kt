package io.cashews.spring

/**
 * Limits calls of the method to [limit] per [period] and key, with cashews' fixed-window rate limit shared by
 * every process on the backend; a call over the limit fails with `RateLimitError`, or is answered by [action].
 *
 * ```java
 * @RateLimit(limit = 100, period = "1m", key = "search:{user}", ban = "5m", action = "searchRefused")
 * public List<Hit> search(String user, String q) { … }
 * ```
 *
 * Every setting of the Java builder of the same strategy is an attribute of the same name. String attributes take
 * property placeholders (`"${app.users.ttl:3h}"`); `key` and `tags` are cashews key templates over the method's
 * parameter names (`"user:{id}"`, `"{user.id}"`), in which `#{…}` embeds a SpEL expression (`"user:#{#user.id}"`).
 * The method may return a value, a `CompletableFuture`, a `Mono` or `Flux`, or be a Kotlin `suspend` function.
 */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class RateLimit(
    /** How many calls a key may make per [period]. */
    val limit: Long,
    /** The window, in the TTL grammar (`"1m"`). */
    val period: String,
    /** How long every call is refused once one went over the limit; empty for one period, `"0"` for no ban. */
    val ban: String = "",
    /**
     * The name of a method of the same bean that answers a refused call instead of `RateLimitError`: it takes the
     * method's parameters and then a `RateLimitError`, and returns what the method returns. Empty: the call fails.
     */
    val action: String = "",
    /** What happens while the backend cannot answer: see `OutagePolicy`. */
    val whenUnavailable: io.cashews.OutagePolicy = io.cashews.OutagePolicy.LOCAL,
    /** The key template; empty for `<class>.<method>` and every parameter as `:<name>:{<name>}`. */
    val key: String = "",
    /** The prefix of the stored keys (`prefix:key`); empty for the strategy's default. */
    val prefix: String = "",
)

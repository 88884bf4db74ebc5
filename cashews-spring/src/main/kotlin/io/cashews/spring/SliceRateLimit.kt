package io.cashews.spring

/**
 * Limits calls of the method to [limit] in any [period] and key, with cashews' sliding-window rate limit; a call
 * over the limit fails with `RateLimitError`, or is answered by [action].
 *
 * ```java
 * @SliceRateLimit(limit = 10, period = "1s", key = "api:{client}")
 * public Answer ask(String client) { … }
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
public annotation class SliceRateLimit(
    /** How many calls a key may make in any [period]. */
    val limit: Long,
    /** The sliding window, in the TTL grammar (`"1s"`). */
    val period: String,
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

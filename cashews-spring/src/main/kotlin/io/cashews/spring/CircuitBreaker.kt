package io.cashews.spring

import kotlin.reflect.KClass

/**
 * Guards the method with cashews' circuit breaker: once [errorsRate] percent of the calls in a [period] failed,
 * calls fail at once with `CircuitBreakerOpen` for [ttl], then [halfOpenCalls] trial calls decide whether it closes.
 *
 * ```java
 * @CircuitBreaker(errorsRate = 50, period = "1m", ttl = "30s", minCalls = 20, key = "quotes")
 * public Quote quote(String symbol) { … }
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
public annotation class CircuitBreaker(
    /** The percentage of failed calls in a [period] that opens the breaker (above 0, at most 100). */
    val errorsRate: Double,
    /** The window failures are counted in, in the TTL grammar. */
    val period: String,
    /** How long the breaker stays open. */
    val ttl: String,
    /** How long it stays half-open, letting trial calls through; empty for [ttl]. */
    val halfOpenTtl: String = "",
    /** How many trial calls pass while half-open. */
    val halfOpenCalls: Long = 1,
    /** The exceptions that count as failures; empty for every `Exception`. */
    val exceptions: Array<KClass<out Throwable>> = [],
    /** How many calls a period needs before the breaker may open. */
    val minCalls: Long = 1,
    /** What happens while the backend cannot answer: see `OutagePolicy`. */
    val whenUnavailable: io.cashews.OutagePolicy = io.cashews.OutagePolicy.LOCAL,
    /** The key template; empty for `<class>.<method>` and every parameter as `:<name>:{<name>}`. */
    val key: String = "",
    /** The prefix of the stored keys (`prefix:key`); empty for the strategy's default. */
    val prefix: String = "",
)

package io.cashews

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import kotlin.random.Random
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * How a loading strategy retries a failed load: up to [attempts] runs in all, waiting [initialDelay] after the
 * first failure and [factor] times longer after each next one (at most [maxDelay]), each wait shortened by a random
 * fraction up to [jitter] so that many callers do not retry in step. Only failures of the types in [on] are retried.
 *
 * The retries run inside the strategy's single-flight: callers waiting for the same key share one retry loop.
 */
public class Retry(
    /** Runs in all, the first included; at least 1. */
    public val attempts: Int = 3,
    /** The wait after the first failure. */
    public val initialDelay: Duration = 100.milliseconds,
    /** How much longer each next wait is; at least 1. */
    public val factor: Double = 2.0,
    /** The longest wait. */
    public val maxDelay: Duration = 10.seconds,
    /** The largest random fraction taken off a wait, at least 0 and below 1. */
    public val jitter: Double = 0.5,
    /** The failures worth retrying. */
    public val on: Set<KClass<out Throwable>> = setOf(Exception::class),
) {
    /** [initialDelay] for Java, where the property's getter has a mangled name. */
    @JvmName("getInitialDelay")
    public fun initialDelayJavaDuration(): java.time.Duration = initialDelay.toJavaDuration()

    /** [maxDelay] for Java, where the property's getter has a mangled name. */
    @JvmName("getMaxDelay")
    public fun maxDelayJavaDuration(): java.time.Duration = maxDelay.toJavaDuration()

    init {
        require(attempts >= 1) { "attempts must be at least 1, was $attempts" }
        require(!initialDelay.isNegative()) { "initialDelay must not be negative, was $initialDelay" }
        require(factor >= 1.0) { "factor must be at least 1, was $factor" }
        require(maxDelay >= initialDelay) { "maxDelay ($maxDelay) must not be below initialDelay ($initialDelay)" }
        require(jitter >= 0.0 && jitter < 1.0) { "jitter must be at least 0 and below 1, was $jitter" }
    }

    /** Runs [block], retrying as configured; the last failure is thrown as it is. */
    internal suspend fun <T> run(block: suspend () -> T): T {
        var wait = initialDelay
        var attempt = 1
        while (true) {
            try {
                return block()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                if (attempt >= attempts || on.none { it.isInstance(e) }) throw e
            }
            delay(wait * (1 - jitter * Random.nextDouble()))
            wait = (wait * factor).coerceAtMost(maxDelay)
            attempt++
        }
    }

    public companion object {
        /**
         * A [Retry] from Java, whose `java.time.Duration` the constructor cannot take: [attempts] runs in all,
         * waiting [initialDelay] after the first failure and [factor] times longer after each next (at most
         * [maxDelay]), shortened by up to [jitter]; only failures of the types in [on] are retried.
         */
        @JvmStatic
        @JvmOverloads
        public fun of(
            attempts: Int,
            initialDelay: java.time.Duration = java.time.Duration.ofMillis(100),
            factor: Double = 2.0,
            maxDelay: java.time.Duration = java.time.Duration.ofSeconds(10),
            jitter: Double = 0.5,
            on: Collection<Class<out Throwable>> = listOf(Exception::class.java),
        ): Retry =
            Retry(
                attempts,
                initialDelay.toKotlinDuration(),
                factor,
                maxDelay.toKotlinDuration(),
                jitter,
                on.map { it.kotlin }.toSet(),
            )
    }
}

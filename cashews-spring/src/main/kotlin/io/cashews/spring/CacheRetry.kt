package io.cashews.spring

import kotlin.reflect.KClass

/**
 * How a caching annotation retries a failed load (`Retry` in the Java builders):
 * `@Cached(ttl = "1h", retry = @CacheRetry(attempts = 3, initialDelay = "200ms"))`. Every caller waiting on the load
 * shares its retries.
 */
@Target()
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class CacheRetry(
    /** Runs in all, the first included; 0 or 1 for no retry. */
    val attempts: Int = 0,
    /** The wait after the first failure, in the TTL grammar. */
    val initialDelay: String = "100ms",
    /** How much longer each next wait is. */
    val factor: Double = 2.0,
    /** The longest wait. */
    val maxDelay: String = "10s",
    /** Each wait is shortened by a random fraction up to this. */
    val jitter: Double = 0.5,
    /** The failures that are retried; empty for every `Exception`. */
    val on: Array<KClass<out Throwable>> = [],
)

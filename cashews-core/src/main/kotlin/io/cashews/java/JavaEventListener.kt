package io.cashews.java

import io.cashews.BreakerState
import io.cashews.CacheEventListener
import io.cashews.Rejection
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * A [CacheEventListener] a Java class can extend, overriding the events it needs: the two that carry a duration take
 * a [java.time.Duration], where the Kotlin interface's Kotlin `Duration` gives them names Java cannot override. Every
 * event is a plain method that does nothing here (not a bridge to the interface's default, which Java compilers warn
 * about overriding). Register it with `cache.addListener(listener)`; the interface's contract (fast, never blocking,
 * never throwing) holds.
 */
public abstract class JavaEventListener : CacheEventListener {
    override fun onHit(
        key: String,
        strategy: String,
    ) {}

    override fun onMiss(
        key: String,
        strategy: String,
    ) {}

    override fun onStaleServed(
        key: String,
        strategy: String,
    ) {}

    override fun onPut(
        key: String,
        strategy: String,
    ) {}

    override fun onEviction(
        key: String,
        layer: String,
    ) {}

    override fun onRejected(
        key: String,
        reason: Rejection,
    ) {}

    override fun onBreakerStateChanged(
        key: String,
        from: BreakerState,
        to: BreakerState,
    ) {}

    /** A strategy ran its loader for [key], which took [duration]. */
    public open fun onLoad(
        key: String,
        strategy: String,
        duration: java.time.Duration,
    ) {}

    /** A load for [key] failed with [error] after [duration]. */
    public open fun onLoadFailure(
        key: String,
        strategy: String,
        error: Throwable,
        duration: java.time.Duration,
    ) {}

    final override fun onLoad(
        key: String,
        strategy: String,
        duration: Duration,
    ) {
        onLoad(key, strategy, duration.toJavaDuration())
    }

    final override fun onLoadFailure(
        key: String,
        strategy: String,
        error: Throwable,
        duration: Duration,
    ) {
        onLoadFailure(key, strategy, error, duration.toJavaDuration())
    }
}

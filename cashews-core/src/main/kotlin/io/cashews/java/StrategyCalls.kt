package io.cashews.java

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.StrategyPolicy
import io.cashews.ValueType
import io.cashews.internal.load.HandleCall
import io.cashews.internal.load.HandleCounters
import io.cashews.internal.load.RenderedTags
import io.cashews.internal.load.runPolicy
import io.cashews.internal.value.Marker
import io.cashews.internal.value.NotNow
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runInterruptible
import java.util.concurrent.CompletableFuture
import java.util.function.Supplier

/**
 * A built strategy for calls that name their own key: the policy is read once, when [StrategyBuilder.calls] is
 * called, and each call gives the key (and the arguments its tag templates read). Faces that render keys their own
 * way (Spring's annotations, with SpEL) run their calls through one of these; Java code uses it where a handle's
 * key template cannot express the key.
 *
 * ```
 * StrategyCalls<User> users = jc.cached(User.class).ttl("3h").tags("user:{id}").calls();
 * users.get("user:" + id, Map.of("id", id), () -> repo.loadAsync(id));
 * ```
 *
 * Instances are immutable and safe to share between threads.
 */
public class StrategyCalls<T> internal constructor(
    private val cache: Cache,
    private val scope: CoroutineScope,
    /** The policy every call runs under. */
    public val policy: StrategyPolicy,
    /** The declared type of the values, as the cache's codec decodes them. */
    public val valueType: ValueType,
    private val dispatcher: CoroutineDispatcher,
    /** Whether calls go through the cache; `false` runs every loader and stores nothing. */
    public val enabled: Boolean = true,
) {
    private val type: () -> ValueType = { valueType }

    // Calls share one set of counters: the executor counts into them, and nothing here reports them.
    private val counters = HandleCounters()

    // Whether a call may be answered from memory before a coroutine starts: `cached` calls of an enabled builder.
    private val answersNow = enabled && policy is CachedPolicy

    /** The value for [key] (behind the policy's prefix), loaded with [loader] when the strategy must load. */
    public fun get(key: String, loader: Supplier<CompletableFuture<T>>): CompletableFuture<T> =
        get(key, emptyMap(), loader)

    /** [get], rendering the policy's tag templates with [args] (parameter name to value). */
    public fun get(key: String, args: Map<String, Any?>, loader: Supplier<CompletableFuture<T>>): CompletableFuture<T> {
        val storageKey = policy.storageKey(key)
        val now = hitNow(storageKey)
        @Suppress("UNCHECKED_CAST")
        if (now !== NotNow) return CompletableFuture.completedFuture(now as T)
        return scope.javaFuture { run(storageKey, args) { loader.get().awaitReturned("the loader") } }
    }

    /** The value for [key], blocking the caller; the blocking [loader] runs on the builder's `loadOn` executor. */
    public fun getBlocking(key: String, loader: Supplier<T>): T = getBlocking(key, emptyMap(), loader)

    /** [getBlocking], rendering the policy's tag templates with [args]. */
    public fun getBlocking(key: String, args: Map<String, Any?>, loader: Supplier<T>): T {
        val storageKey = policy.storageKey(key)
        val now = hitNow(storageKey)
        @Suppress("UNCHECKED_CAST")
        if (now !== NotNow) return now as T
        return javaBlocking { run(storageKey, args) { runInterruptible(dispatcher) { loader.get() } } }
    }

    /** The value for [key] from a coroutine, [loader] running in the caller's coroutine. */
    public suspend fun call(key: String, args: Map<String, Any?>, loader: suspend () -> T): T {
        val storageKey = policy.storageKey(key)
        val now = hitNow(storageKey)
        @Suppress("UNCHECKED_CAST")
        if (now !== NotNow) return now as T
        return run(storageKey, args, loader)
    }

    /** Deletes the value stored for [key] (behind the policy's prefix); completes with whether there was one. */
    public fun invalidate(key: String): CompletableFuture<Boolean> =
        scope.javaFuture { cache.delete(policy.storageKey(key)) }

    private fun hitNow(key: String): Any? {
        if (!answersNow || cache.observing) return NotNow
        val found = cache.values.lookupNowOrNotNow(key)
        return if (found == null || (found !is Marker && valueType.javaClass.isInstance(found))) found else NotNow
    }

    private suspend fun run(
        key: String,
        args: Map<String, Any?>,
        block: suspend () -> T,
    ): T {
        if (!enabled) return block()
        val tags = if (policy is CachingPolicy) RenderedTags.of(policy.tags, args) else emptyList()
        return cache.runPolicy(policy, key, type, NotNow, HandleCall(tags, counters), block)
    }

    override fun toString(): String = "StrategyCalls($policy)"
}

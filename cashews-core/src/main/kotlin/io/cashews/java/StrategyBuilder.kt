package io.cashews.java

import io.cashews.Cache
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.FunctionBinding
import io.cashews.KeyTemplate
import io.cashews.KeyTemplateError
import io.cashews.LockedPolicy
import io.cashews.StrategyPolicy
import io.cashews.ValueType
import io.cashews.function
import io.cashews.internal.load.execute
import io.cashews.internal.value.NotNow
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runInterruptible
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executor
import java.util.function.BiFunction
import java.util.function.Function
import java.util.function.Supplier

/**
 * The settings every Java strategy builder shares, and what a built policy becomes: a function handle bound once
 * ([build], [buildBlocking]) or a one-off call ([get], [getBlocking]).
 *
 * A builder is a mutable recipe: each `build` or `get` takes the settings as they are then, so one builder can bind
 * several handles. Loaders come in two shapes: returning a [CompletableFuture] (`build`, `get`), or returning the
 * value and run blocking on the executor given to [loadOn] (`buildBlocking`, `getBlocking`; by default a thread of
 * [Dispatchers.IO], and a cancelled call interrupts the loader's thread).
 */
public abstract class StrategyBuilder<T, B : StrategyBuilder<T, B>> internal constructor(
    internal val cache: Cache,
    internal val scope: CoroutineScope,
    /** The class of the values the strategy returns. */
    public val type: Class<T>,
) {
    internal var key: String? = null
    internal var prefix: String? = null
    private var executor: Executor? = null
    private var enabled: Boolean = true
    private var local: String? = null

    /**
     * The key template of a handle (`"user:{id}"`): its placeholders, in the order they first appear, take the
     * function's arguments. One-off calls name their key at [get] instead.
     */
    public fun key(template: String): B = apply { key = template }.self()

    /** The prefix the strategy stores under (`prefix:key`); each strategy has its own default, as in Kotlin. */
    public fun prefix(prefix: String): B = apply { this.prefix = prefix }.self()

    /**
     * Where blocking loaders run (`buildBlocking`, `getBlocking`): a virtual-thread executor suits them well, and
     * `Runnable::run` runs a loader that computes its value without blocking on the calling thread.
     */
    public fun loadOn(executor: Executor): B = apply { this.executor = executor }.self()

    /**
     * Whether handles and calls go through the cache (default `true`): `false` calls the loader every time and
     * stores nothing (aquiche's `enabled=False`), for a cache turned off by configuration at start.
     */
    public fun enabled(enabled: Boolean): B = apply { this.enabled = enabled }.self()

    /**
     * Keeps the values of handles built from here also in this process, `size:ttl` like `"10000:30s"`, in front of a
     * remote backend: see [FunctionBinding.local]. [calls] keep the keys of the [key] template, when one is set; a
     * one-off call without it names no template, and is not kept.
     */
    public fun local(spec: String): B = apply { local = spec }.self()

    /** The policy the current settings describe, with the key template given to [key] (if any). */
    public abstract fun policy(): StrategyPolicy

    internal fun template(): KeyTemplate? = key?.let { KeyTemplate.of(it) }

    @Suppress("UNCHECKED_CAST")
    internal fun self(): B = this as B

    /** Binds [loader], of no arguments, as a handle under the current settings. */
    public fun build(loader: Supplier<CompletableFuture<T>>): CachedSupplier<T> =
        CachedSupplier(binding().bind0(valueType()) { loader.get().awaitLoaded() }, scope)

    /** Binds [loader], of one argument, as a handle under the current settings. */
    public fun <A> build(loader: Function<A, CompletableFuture<T>>): CachedFunction<A, T> =
        CachedFunction(binding().bind1(valueType()) { a: A -> loader.apply(a).awaitLoaded() }, scope)

    /** Binds [loader], of two arguments, as a handle under the current settings. */
    public fun <A, C> build(loader: BiFunction<A, C, CompletableFuture<T>>): CachedBiFunction<A, C, T> =
        CachedBiFunction(
            binding().bind2(valueType()) { a: A, c: C -> loader.apply(a, c).awaitLoaded() },
            scope,
        )

    /** Binds the blocking [loader], of no arguments, run on the [loadOn] executor. */
    public fun buildBlocking(loader: Supplier<T>): CachedSupplier<T> {
        val dispatcher = dispatcher()
        return CachedSupplier(
            binding().bind0(valueType()) { runInterruptible(dispatcher) { loader.get() } },
            scope,
        )
    }

    /** Binds the blocking [loader], of one argument, run on the [loadOn] executor. */
    public fun <A> buildBlocking(loader: Function<A, T>): CachedFunction<A, T> {
        val dispatcher = dispatcher()
        return CachedFunction(
            binding().bind1(valueType()) { a: A -> runInterruptible(dispatcher) { loader.apply(a) } },
            scope,
        )
    }

    /** Binds the blocking [loader], of two arguments, run on the [loadOn] executor. */
    public fun <A, C> buildBlocking(loader: BiFunction<A, C, T>): CachedBiFunction<A, C, T> {
        val dispatcher = dispatcher()
        return CachedBiFunction(
            binding().bind2(valueType()) { a: A, c: C ->
                runInterruptible(dispatcher) { loader.apply(a, c) }
            },
            scope,
        )
    }

    /**
     * One call of the strategy for [key] (behind the policy's prefix), loading with [loader] when it must. An
     * in-memory hit of `cached` completes before this returns.
     */
    public fun get(key: String, loader: Supplier<CompletableFuture<T>>): CompletableFuture<T> = calls().get(key, loader)

    /** [get] with a blocking [loader] run on the [loadOn] executor, blocking the caller until the value is there. */
    public fun getBlocking(key: String, loader: Supplier<T>): T = calls().getBlocking(key, loader)

    /** The current settings, read once, for calls that each name their key: see [StrategyCalls]. */
    public fun calls(): StrategyCalls<T> = calls(valueType())

    /**
     * [calls] decoding values as [valueType]: a generic type (`ValueType.of(method.getGenericReturnType())`) where
     * the builder's class alone would lose its type arguments, as codecs on byte backends need them.
     */
    public fun calls(valueType: ValueType): StrategyCalls<T> {
        require(type.isAssignableFrom(valueType.javaClass) || valueType.javaClass.isAssignableFrom(type)) {
            "value type $valueType does not match the builder's ${type.name}"
        }
        val policy = policy()
        template()?.let { bindingOf(policy).keepLocally(it) }
        return StrategyCalls(cache, scope, policy, valueType, dispatcher(), enabled)
    }

    internal fun valueType(): ValueType = ValueType.of(type)

    private fun binding(): FunctionBinding {
        // A Java lambda's class is named at run time, and the loader is wrapped here anyway: neither names the call
        // site, so a Java handle never derives its key.
        if (key == null) {
            throw KeyTemplateError(
                "no key template set for the ${javaClass.simpleName}: call key(...) before build(...)",
            )
        }
        return bindingOf(policy())
    }

    /** [policy] bound with this builder's `enabled` and `local` settings. */
    private fun bindingOf(policy: StrategyPolicy): FunctionBinding =
        cache.function(policy).enabled(enabled).let { binding -> local?.let(binding::local) ?: binding }

    private fun dispatcher(): CoroutineDispatcher = executor?.asCoroutineDispatcher() ?: Dispatchers.IO

    private suspend fun CompletableFuture<T>?.awaitLoaded(): T = awaitReturned("the loader")
}

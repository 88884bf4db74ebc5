package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.load.HandleKeys
import io.cashews.internal.route.LocalTier
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/**
 * Binds [loader] to this cache as a `cached` handle (see [CachedFunction]):
 * `val userById = cache.function(ttl = "3h", key = "user:{id}", tags = listOf("users")) { id: Long -> repo.load(id) }`.
 *
 * [ttl] is in the [Ttl] grammar; [key] is a [KeyTemplate] whose placeholders, in the order they first appear, take
 * the function's arguments; [tags] are templates too; [enabled] `false` binds a handle that calls the function every
 * time (see [FunctionBinding.enabled]); [local] (`size:ttl`, like `10000:30s`) also keeps the handle's values in this
 * process in front of a remote backend (see [FunctionBinding.local]). For other settings and strategies, bind a policy:
 * [function] with a [StrategyPolicy]. A function of no arguments names its value type, so that its lambda is not
 * read as one of one argument: `cache.function<Rates>(ttl = "1h", key = "rates") { api.rates() }`.
 */
public inline fun <reified R> Cache.function(
    ttl: String,
    key: String,
    tags: List<String> = emptyList(),
    enabled: Boolean = true,
    local: String? = null,
    noinline loader: suspend () -> R,
): CachedFunction0<R> = cachedBinding(ttl, key, tags, enabled, local).bind0(ValueType.of<R>(), loader)

/** [function] of one argument. */
public inline fun <A, reified R> Cache.function(
    ttl: String,
    key: String,
    tags: List<String> = emptyList(),
    enabled: Boolean = true,
    local: String? = null,
    noinline loader: suspend (A) -> R,
): CachedFunction1<A, R> = cachedBinding(ttl, key, tags, enabled, local).bind1(ValueType.of<R>(), loader)

/** [function] of two arguments. */
public inline fun <A, B, reified R> Cache.function(
    ttl: String,
    key: String,
    tags: List<String> = emptyList(),
    enabled: Boolean = true,
    local: String? = null,
    noinline loader: suspend (A, B) -> R,
): CachedFunction2<A, B, R> =
    cachedBinding(ttl, key, tags, enabled, local).bind2(ValueType.of<R>(), loader)

/** [function] of three arguments. */
public inline fun <A, B, C, reified R> Cache.function(
    ttl: String,
    key: String,
    tags: List<String> = emptyList(),
    enabled: Boolean = true,
    local: String? = null,
    noinline loader: suspend (A, B, C) -> R,
): CachedFunction3<A, B, C, R> =
    cachedBinding(ttl, key, tags, enabled, local).bind3(ValueType.of<R>(), loader)

/** The binding of the `cached` shortcuts above. */
@PublishedApi
internal fun Cache.cachedBinding(
    ttl: String,
    key: String,
    tags: List<String>,
    enabled: Boolean,
    local: String?,
): FunctionBinding =
    function(CachedPolicy.of(ttl, key, tags)).enabled(enabled).let { if (local == null) it else it.local(local) }

/**
 * Binds [loader] to this cache under [policy], any strategy: `cache.function(EarlyPolicy(1.hours,
 * KeyTemplate.of("rates:{c}"))) { c: String -> api.rates(c) }`. A policy without a key template gets one derived
 * from the loader, as cashews derives a key from a function and its arguments: the loader's compiled class, then
 * each argument as `:arg1:{arg1}` (or under the names [FunctionBinding.params] gives), for example
 * `com.acme.Rates$rates$1:arg1:{arg1}`. Moving or renaming the loader changes it, like a version bump.
 */
public inline fun <reified R> Cache.function(
    policy: StrategyPolicy,
    noinline loader: suspend () -> R,
): CachedFunction0<R> =
    function(policy).bind0(ValueType.of<R>(), loader)

/** [function] of one argument under [policy]. */
public inline fun <A, reified R> Cache.function(
    policy: StrategyPolicy,
    noinline loader: suspend (A) -> R,
): CachedFunction1<A, R> = function(policy).bind1(ValueType.of<R>(), loader)

/** [function] of two arguments under [policy]. */
public inline fun <A, B, reified R> Cache.function(
    policy: StrategyPolicy,
    noinline loader: suspend (A, B) -> R,
): CachedFunction2<A, B, R> = function(policy).bind2(ValueType.of<R>(), loader)

/** [function] of three arguments under [policy]. */
public inline fun <A, B, C, reified R> Cache.function(
    policy: StrategyPolicy,
    noinline loader: suspend (A, B, C) -> R,
): CachedFunction3<A, B, C, R> = function(policy).bind3(ValueType.of<R>(), loader)

/**
 * The binding of [policy] to this cache, for binding functions by hand: [FunctionBinding.params] names the
 * function's parameters, and `bind0`…`bind3` take the value type explicitly (as Java callers do).
 */
public fun Cache.function(policy: StrategyPolicy): FunctionBinding = FunctionBinding(this, policy)

/**
 * A policy about to be bound to a function: `bind0`…`bind3` take the function (a suspend lambda of up to three
 * arguments) and answer its [CachedFunction]. The function's parameters are bound, in order, to the key template's placeholders in
 * the order they first appear (`{@…}` context placeholders aside), unless [params] names them.
 */
public class FunctionBinding internal constructor(
    private val cache: Cache,
    private val policy: StrategyPolicy,
    private val params: List<String>? = null,
    private val enabled: Boolean = true,
    /** With [localTtl]: the handles' local tier, at most this many values each kept for [localTtl]. */
    private val localSize: Long = 0,
    private val localTtl: Duration? = null,
) {
    /** This binding with the function's parameters named [names], in order, as the key template reads them. */
    public fun params(vararg names: String): FunctionBinding =
        FunctionBinding(cache, policy, names.toList(), enabled, localSize, localTtl)

    /**
     * This binding with its handles going through the cache or not: `false` binds handles that call the function
     * every time and store nothing (aquiche's `enabled=False`), for a cache turned off by configuration at start.
     */
    public fun enabled(enabled: Boolean): FunctionBinding =
        FunctionBinding(cache, policy, params, enabled, localSize, localTtl)

    /**
     * This binding with its handles' values also kept in this process, in a tier of at most [size] values each kept
     * for [ttl], in front of the backend their keys go to (the setup URL's `local=size:ttl`, for one handle's keys):
     * a hit there makes no round trip. Writes and deletes of those keys through this cache drop the copy at once, and
     * on Redis the other processes drop theirs through pub/sub; a change the message misses stays visible here for
     * at most [ttl]. Where the keys go to an in-memory backend, or to a setup URL that already has `local`, the
     * values are local already and nothing is added. Handles of the same key template share one tier.
     */
    @JvmSynthetic
    public fun local(size: Long, ttl: Duration): FunctionBinding {
        require(size > 0) { "local tier size must be positive, was $size" }
        require(ttl.isPositive() && ttl.isFinite()) { "local tier TTL must be positive and finite, was $ttl" }
        return FunctionBinding(cache, policy, params, enabled, size, ttl)
    }

    /** [local] with a Java [java.time.Duration]. */
    public fun local(size: Long, ttl: java.time.Duration): FunctionBinding = local(size, ttl.toKotlinDuration())

    /** [local] written as the setup parameter is: `size:ttl`, like `10000:30s`. */
    public fun local(spec: String): FunctionBinding {
        val (size, ttl) = LocalTier.parseSpec(spec)
        return local(size, ttl)
    }

    /** Binds [loader], of no arguments, whose values are [type]s (for callers without reified types). */
    public fun <R> bind0(type: ValueType, loader: suspend () -> R): CachedFunction0<R> =
        CachedFunction0(cache, policy, keys(0, loader), type, enabled, loader)

    /** Binds [loader], of one argument, whose values are [type]s. */
    public fun <A, R> bind1(type: ValueType, loader: suspend (A) -> R): CachedFunction1<A, R> =
        CachedFunction1(cache, policy, keys(1, loader), type, enabled, loader)

    /** Binds [loader], of two arguments, whose values are [type]s. */
    public fun <A, B, R> bind2(type: ValueType, loader: suspend (A, B) -> R): CachedFunction2<A, B, R> =
        CachedFunction2(cache, policy, keys(2, loader), type, enabled, loader)

    /** Binds [loader], of three arguments, whose values are [type]s. */
    public fun <A, B, C, R> bind3(type: ValueType, loader: suspend (A, B, C) -> R): CachedFunction3<A, B, C, R> =
        CachedFunction3(cache, policy, keys(3, loader), type, enabled, loader)

    /** With [local] set, keeps the keys [template] renders (behind the policy's prefix) in a local tier. */
    internal fun keepLocally(template: KeyTemplate) {
        if (localTtl != null && enabled) {
            cache.routing.keepLocally(policy.storageKey(template.toGlob()), localSize, localTtl)
        }
    }

    /**
     * The handle's keys for [loader], a function of [arity] arguments: the names they bind to, checked against the
     * policy's key template, or a template derived from [loader] when the policy has none.
     */
    private fun keys(arity: Int, loader: Any): HandleKeys {
        val template =
            policy.key ?: DerivedKey.template(loader, params ?: (1..arity).map { "arg$it" })
        val names = params ?: template.placeholders.toList()
        if (names.size != arity) {
            val named = names.joinToString(prefix = "(", postfix = ")")
            throw KeyTemplateError(
                "key template '${template.template}' binds ${names.size} argument(s) $named but the function takes " +
                    "$arity: name its parameters with params(…)",
            )
        }
        val unknown = template.placeholders - names.toSet()
        if (unknown.isNotEmpty()) {
            throw KeyTemplateError(
                "key template '${template.template}' reads ${unknown.joinToString { "'$it'" }}, which is not a " +
                    "parameter (${names.joinToString()}); use {@name} for a KeyContext value",
            )
        }
        keepLocally(template)
        return HandleKeys(policy, template, names, enabled)
    }
}

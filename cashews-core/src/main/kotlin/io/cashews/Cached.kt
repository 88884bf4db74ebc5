@file:OptIn(InternalCacheApi::class)

package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.load.loadCached
import io.cashews.internal.value.Marker
import io.cashews.internal.value.NotNow
import io.cashews.internal.value.mayHoldElements
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/**
 * Returns the value cached at [key], or runs [block], caches what it returns for [ttl] and returns that.
 *
 * ```
 * suspend fun user(id: Long): User = cache.cached(ttl = 3.hours, key = "user:$id") { repo.load(id) }
 * ```
 *
 * - **Single-flight** ([protected], on by default): concurrent callers of a cold key share one run of [block]. A
 *   cancelled caller stops waiting without cancelling the load or the others; every caller gets the block's own
 *   result or exception. A block that asks for its own key fails with [ReentrantLoadError].
 * - [lock] extends single-flight across processes through the backend: one load cluster-wide, others wait for it.
 * - [condition] picks what is stored (`null` is stored by default; exceptions only when the condition says so,
 *   for their own TTL). [timeCondition] stores only results that took longer than it to compute; both must pass.
 * - A delete of the key while [block] runs is not undone by the block's result.
 * - [upper] caches at an outer layer only: when a cached call inside [block] served a value from a cache during
 *   the load, the result is returned but not stored here, so a stale inner value is not kept for a whole [ttl].
 * - [retry] retries a failed load with exponential backoff, once for all the callers waiting on it.
 * - [jitter] (at least 0, below 1) shortens each TTL by a random fraction up to it, spreading the expiry of keys written
 *   together.
 * - [tags] label the stored value: [Cache.deleteTags] of any of them removes it, and a load running at that moment
 *   does not store a readable result.
 * - [resultTags] computes more tags from the loaded value (cacheme's `invalid_keys` from the result): a book cached
 *   with `resultTags = { book -> listOf("user:${book.ownerId}") }` goes with `deleteTags("user:200")`.
 * - [doorKeeper] stores a key's load only the second time it is loaded, so keys asked for once never take space.
 * - [serveStale]: after [Cache.markStale] of the key, the old value is returned at once while one refresh loads the
 *   key again in the background (cacheme's stale invalidation).
 *
 * A hit on the in-memory backend allocates nothing and does not suspend.
 *
 * @param prefix prepended to [key] as `"$prefix:$key"`, to keep strategies or versions apart.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    timeCondition: Duration? = null,
    prefix: String = "",
    protected: Boolean = true,
    lock: Boolean = false,
    jitter: Double = 0.0,
    upper: Boolean = false,
    retry: Retry? = null,
    tags: Collection<String> = emptyList(),
    serveStale: Boolean = false,
    noinline resultTags: ((T) -> Collection<String>)? = null,
    doorKeeper: DoorKeeper? = null,
    crossinline block: suspend () -> T,
): T =
    cachedWith(key, prefix, {
        CachedPolicy(
            TtlRule.Fixed(ttl),
            null,
            prefix,
            condition,
            timeCondition,
            protected,
            lock,
            jitter,
            upper,
            retry,
            tags.toList(),
            serveStale,
            @Suppress("UNCHECKED_CAST")
            (resultTags as ((Any?) -> Collection<String>)?),
            doorKeeper,
        )
    }) { block() }

/**
 * [cached] with a TTL in the [Ttl] grammar: `cache.cached(ttl = "3h", key = "user:$id") { repo.load(id) }`. Every
 * other setting is on the overload taking a [Duration].
 */
public suspend inline fun <reified T> Cache.cached(ttl: String, key: String, crossinline block: suspend () -> T): T =
    cached(Ttl.parse(ttl), key) { block() }

/**
 * [cached] with a TTL computed from each loaded value, e.g. a token's own lifetime:
 * `cache.cached(ttl = { token: Token -> token.expiresIn }, key = "token") { auth.fetch() }`. For the other settings
 * of [cached], bind a [CachedPolicy] with a [TtlRule.FromValue] ([function]).
 */
public suspend inline fun <reified T> Cache.cached(
    noinline ttl: (T) -> Duration,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    cachedWith(key, "", {
        @Suppress("UNCHECKED_CAST")
        val rule = TtlRule.FromValue(ttl as (Any?) -> Duration)
        CachedPolicy(rule, condition = condition, tags = tags.toList())
    }) { block() }

/**
 * [cached] with an [Expiry] instead of a TTL (aquiche's `expiration`): until a point in time, until the next time of
 * day in a zone, or never. `cache.cached(expiry = Expiry.dailyAt(LocalTime.of(6, 0), paris), key = "report") { … }`
 * keeps the report until the next 06:00 in Paris; [Expiry.parse] reads the text forms (`"15:30 Europe/Paris"`,
 * `"2030-04-23T09:15Z"`). An expiry already past returns the value without storing it. For the other settings of
 * [cached], bind a [CachedPolicy] with a [TtlRule.Expires] ([function]).
 */
public suspend inline fun <reified T> Cache.cached(
    expiry: Expiry,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    cachedWith(key, "", {
        CachedPolicy(TtlRule.Expires(expiry), condition = condition, tags = tags.toList())
    }) { block() }

/**
 * [cached] with an expiration computed for each load from what it produced and when (aquiche's expiration function):
 *
 * ```
 * cache.cached(expiry = { item: LoadedItem<Token> -> item.value?.let { Expiry.at(it.expiresAt) } ?: Expiry.Expired },
 *     key = "token") { auth.fetch() }
 * ```
 *
 * [expiry] may suspend. It sees failures too when [condition] stores them (`item.failed`); [Expiry.Expired] stores
 * nothing. For the other settings of [cached], bind a [CachedPolicy] with a [TtlRule.FromLoad] ([function]).
 */
public suspend inline fun <reified T> Cache.cached(
    noinline expiry: suspend (LoadedItem<T>) -> Expiry,
    key: String,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    cachedWith(key, "", {
        @Suppress("UNCHECKED_CAST")
        val rule = TtlRule.FromLoad(expiry as suspend (LoadedItem<Any?>) -> Expiry)
        CachedPolicy(rule, condition = condition, tags = tags.toList())
    }) { block() }

/**
 * [cached] with the key rendered from [key] and [args] (and the current [KeyContext]):
 * `cache.cached(1.hours, userKey, mapOf("id" to id)) { repo.load(id) }` where `userKey = KeyTemplate.of("user:{id}")`.
 * Each of [tags] is a template too, rendered with the same [args]: `tags = listOf("page:{page}")`. For the other
 * settings of [cached], render the key yourself ([KeyTemplate.renderInContext]) or bind a function handle.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    args: Map<String, Any?>,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T =
    cachedWith(key.renderInContext(args), "", {
        val rendered = tags.map { KeyTemplate.of(it).renderInContext(args) }
        CachedPolicy(TtlRule.Fixed(ttl), condition = condition, tags = rendered)
    }) { block() }

/**
 * [cached] with the key rendered from [key] and one positional argument bound to its placeholder:
 * `cache.cached(1.hours, userKey, id) { repo.load(id) }` where `userKey = KeyTemplate.of("user:{id}")`, built once.
 *
 * Unlike the overload taking a map, a hit on the in-memory backend allocates nothing when the arguments are of value
 * types (strings, numbers, booleans, characters, enums, UUIDs): their rendered keys are remembered by the template, as
 * a function handle remembers them. Overloads take up to four arguments, bound to the placeholders in the order they
 * first appear; a count that does not match the template fails with [KeyTemplateError]. [tags] are templates rendered
 * with the same arguments, on a miss only. A single argument that is a `Map<String, …>` is read by the overload taking
 * named values: name it there (`mapOf("filters" to filters)`).
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    a: Any?,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedPositional(ttl, key, 1, a, null, null, null, condition, tags) { block() }

/** [cached] with a key template of two placeholders, bound to [a] and [b] in the order they first appear. */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    a: Any?,
    b: Any?,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedPositional(ttl, key, 2, a, b, null, null, condition, tags) { block() }

/** [cached] with a key template of three placeholders, bound to [a], [b] and [c] in the order they first appear. */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    a: Any?,
    b: Any?,
    c: Any?,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedPositional(ttl, key, 3, a, b, c, null, condition, tags) { block() }

/** [cached] with a key template of four placeholders, bound to [a], [b], [c] and [d] in the order they first appear. */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    key: KeyTemplate,
    a: Any?,
    b: Any?,
    c: Any?,
    d: Any?,
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    crossinline block: suspend () -> T,
): T = cachedPositional(ttl, key, 4, a, b, c, d, condition, tags) { block() }

/** The body of the positional [cached] overloads: the remembered key, then the hit path of [cachedWith]. */
@PublishedApi
internal suspend inline fun <reified T> Cache.cachedPositional(
    ttl: Duration,
    key: KeyTemplate,
    arity: Int,
    a: Any?,
    b: Any?,
    c: Any?,
    d: Any?,
    condition: CacheCondition,
    tags: Collection<String>,
    crossinline block: suspend () -> T,
): T {
    val remembered = key.rememberedKey(arity, a, b, c, d)
    val rendered = remembered?.key ?: key.renderPositional(arity, a, b, c, d)
    return cachedWith(rendered, "", remembered = remembered, policy = {
        if (tags.isEmpty()) {
            key.untaggedPolicy(ttl, condition)
        } else {
            val args = key.positional(arity, a, b, c, d)
            CachedPolicy(
                TtlRule.Fixed(ttl),
                condition = condition,
                tags = tags.map { KeyTemplate.of(it).renderInContext(args) },
            )
        }
    }) { block() }
}

/**
 * [cached] without a key: the key is derived from the call site and the values [block] captures, the way cashews
 * derives it from a function and its arguments. Two call sites never share a key; the same call site with the same
 * captured values always does, across restarts and JVMs.
 *
 * ```
 * suspend fun user(id: Long): User = cache.cached(3.hours) { repo.load(id) }   // key: "…UserService$user$1:id:42"
 * ```
 *
 * Only the captured values count, rendered as in [KeyTemplate]: capture what identifies the result (ids, not
 * whole services). Deriving the key reads the block's fields on every call; use an explicit key on the hottest
 * paths.
 */
public suspend inline fun <reified T> Cache.cached(
    ttl: Duration,
    condition: CacheCondition = CacheCondition.Always,
    prefix: String = "",
    tags: Collection<String> = emptyList(),
    noinline block: suspend () -> T,
): T {
    val policy = CachedPolicy(TtlRule.Fixed(ttl), prefix = prefix, condition = condition, tags = tags.toList())
    return cachedLoad(policy, null, { ValueType.of<T>() }, null, block)
}

/** [cached] without a key, with a TTL in the [Ttl] grammar: `cache.cached("3h") { api.rates() }`. */
public suspend inline fun <reified T> Cache.cached(ttl: String, noinline block: suspend () -> T): T =
    cached(Ttl.parse(ttl), block = block)

/**
 * The body of every keyed [cached] overload: the hit path, inline all the way so a hit allocates nothing. The
 * [policy] is only built on a miss, and the loader's lambda object only made then.
 */
@PublishedApi
internal suspend inline fun <reified T> Cache.cachedWith(
    key: String,
    prefix: String,
    policy: () -> CachedPolicy,
    remembered: RememberedKey? = null,
    crossinline block: suspend () -> T,
): T {
    val storageKey = if (prefix.isEmpty()) key else "$prefix:$key"
    val found =
        when (remembered) {
            null -> lookupNow(storageKey) { ValueType.of<T>() }
            else -> lookupNow(remembered) { ValueType.of<T>() }
        }
    if (found !is Marker && found is T && (!mayHoldElements<T>() || conforms(found) { ValueType.of<T>() })) {
        if (observing) observeHit(storageKey, StrategyKeys.CACHED)
        return found
    }
    return cachedLoad(policy(), storageKey, { ValueType.of<T>() }, found) { block() }
}

/**
 * The typed entry of [cached]: the load of [key] (the storage key; `null` derives it from [block], see [DerivedKey])
 * under [policy], given what the caller's own look [found] (a [Marker] or a value of another type). `null` stands for
 * "look again": the caller has not looked, or found a cached `null` its type does not take.
 */
@PublishedApi
internal suspend fun <T> Cache.cachedLoad(
    policy: CachedPolicy,
    key: String?,
    type: () -> ValueType,
    found: Any?,
    block: suspend () -> T,
): T = loadCached(policy, key ?: policy.storageKey(DerivedKey.of(block)), type, found ?: NotNow, block = block)

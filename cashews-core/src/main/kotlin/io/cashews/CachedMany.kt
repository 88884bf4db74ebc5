package io.cashews

import io.cashews.internal.load.loadMany
import kotlin.time.Duration

/**
 * The values of many keys at once (Caffeine's `getAll` with a bulk loader): the cached ones from one read, the
 * others from one call of [loadAll].
 *
 * ```
 * val users: Map<Long, User> = cache.cachedMany(ids, ttl = 3.hours, keyOf = { "user:$it" }) { missing ->
 *     repo.loadAll(missing).associateBy { it.id }
 * }
 * ```
 *
 * - The hits come from one [Backend.getMany] per backend: one `MGET` on Redis, one statement per shard on disk.
 * - [loadAll] gets the ids that missed, each once, in the order first asked, and answers what it found. Its answer
 *   is stored (every entry, asked for or not, as Caffeine does) with [ttl] and [tags] where [condition] accepts it;
 *   ids it leaves out are absent from the answer and not stored, so the next call asks for them again. A value of
 *   `null` in its answer is a result like any other (cached when [condition] stores nulls, as [cached] does).
 * - **Per-key single-flight** ([protected], on by default): an id that another batch or a single-key [cached] call is
 *   loading at that moment is awaited, not given to [loadAll]; a single-key caller waiting on an id that [loadAll]
 *   then left out loads it itself. Cancelling the caller stops the load once no other caller waits for its ids.
 * - A failing [loadAll] stores nothing; its own exception object is thrown to this caller and to every caller
 *   waiting on one of its ids. A cached failure (see [CacheCondition.withExceptions]) found for an id is thrown again.
 * - The answer keeps the order of [ids], each id once.
 *
 * @param keyOf the cache key of an id, before [prefix]; ids that are the keys themselves need none.
 */
public suspend inline fun <K, reified V> Cache.cachedMany(
    ids: Collection<K>,
    ttl: Duration,
    noinline keyOf: (K) -> String = { it.toString() },
    prefix: String = "",
    condition: CacheCondition = CacheCondition.Always,
    tags: Collection<String> = emptyList(),
    protected: Boolean = true,
    noinline loadAll: suspend (missing: List<K>) -> Map<K, V>,
): Map<K, V> {
    val policy =
        CachedPolicy(
            TtlRule.Fixed(ttl),
            prefix = prefix,
            condition = condition,
            protected = protected,
            tags = tags.toList(),
        )
    return cachedManyUnder(policy, ids, keyOf, { ValueType.of<V>() }, loadAll)
}

/** [cachedMany] with a TTL in the [Ttl] grammar: `cache.cachedMany(keys, "3h") { missing -> api.fetch(missing) }`. */
public suspend inline fun <K, reified V> Cache.cachedMany(
    ids: Collection<K>,
    ttl: String,
    noinline keyOf: (K) -> String = { it.toString() },
    noinline loadAll: suspend (missing: List<K>) -> Map<K, V>,
): Map<K, V> = cachedMany(ids, Ttl.parse(ttl), keyOf, loadAll = loadAll)

/** The untyped body of [cachedMany], for the inline overloads. */
@PublishedApi
internal suspend fun <K, V> Cache.cachedManyUnder(
    policy: CachedPolicy,
    ids: Collection<K>,
    keyOf: (K) -> String,
    type: () -> ValueType,
    loadAll: suspend (List<K>) -> Map<K, V>,
): Map<K, V> = loadMany(policy, ids, { policy.storageKey(keyOf(it)) }, null, type, null, loadAll)

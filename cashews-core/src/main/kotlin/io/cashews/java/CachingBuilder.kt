package io.cashews.java

import io.cashews.Cache
import io.cashews.CacheCondition
import io.cashews.Retry
import io.cashews.Ttl
import kotlinx.coroutines.CoroutineScope
import kotlin.time.Duration
import kotlin.time.toKotlinDuration

/**
 * The settings of the strategies that store what they load (`cached`, `early`, `soft`, `failover`, `hit`,
 * `dynamic`), under the names of the Kotlin parameters: see [io.cashews.CachingPolicy] for what each one does.
 */
public abstract class CachingBuilder<T, B : CachingBuilder<T, B>> internal constructor(
    cache: Cache,
    scope: CoroutineScope,
    type: Class<T>,
) : StrategyBuilder<T, B>(cache, scope, type) {
    internal var ttl: Duration? = null
    internal var condition: CacheCondition = CacheCondition.Always
    internal var timeCondition: Duration? = null
    internal var jitter: Double = 0.0
    internal var upper: Boolean = false
    internal var protected: Boolean = true
    internal var resultTags: ((Any?) -> Collection<String>)? = null
    internal var doorKeeper: io.cashews.DoorKeeper? = null
    internal var retry: Retry? = null
    internal var tags: List<String> = emptyList()

    /** How long a loaded value is kept, in the [Ttl] grammar (`"3h"`, `"10m"`, `"1d2h"`). */
    public open fun ttl(ttl: String): B = apply { this.ttl = Ttl.parse(ttl) }.self()

    /** How long a loaded value is kept. */
    public open fun ttl(ttl: java.time.Duration): B = apply { this.ttl = ttl.toKotlinDuration() }.self()

    /** Which loaded values (and exceptions) are stored: [CacheCondition.Always] by default. */
    public fun condition(condition: CacheCondition): B = apply { this.condition = condition }.self()

    /** Stores only results that took longer than [timeCondition] to load. */
    public fun timeCondition(timeCondition: java.time.Duration): B =
        apply { this.timeCondition = timeCondition.toKotlinDuration() }.self()

    /** Spreads expiries: each TTL is shortened by a random fraction up to [jitter] (at least 0, below 1). */
    public fun jitter(jitter: Double): B = apply { this.jitter = jitter }.self()

    /** Caches at an outer layer only: a load that served a value from a cache inside is returned, not stored. */
    public fun upper(upper: Boolean): B = apply { this.upper = upper }.self()

    /** Retries a failed load with backoff, once for every caller waiting on it. */
    public fun retry(retry: Retry): B = apply { this.retry = retry }.self()

    /** Labels every stored value; each tag is a template rendered with the call's arguments (`"user:{id}"`). */
    public fun tags(vararg tags: String): B = apply { this.tags = tags.toList() }.self()

    /** [tags] from a collection. */
    public fun tags(tags: Collection<String>): B = apply { this.tags = tags.toList() }.self()

    /**
     * Tags computed from each loaded value, added to [tags] (cacheme's `invalid_keys` from the result):
     * `.resultTags(book -> List.of("user:" + book.ownerId()))`.
     */
    public fun resultTags(resultTags: java.util.function.Function<T, out Collection<String>>): B =
        apply {
            @Suppress("UNCHECKED_CAST")
            this.resultTags = { value -> resultTags.apply(value as T) }
        }.self()

    /** Stores a key's load only from its second time on ([io.cashews.DoorKeeper]); builders may share one. */
    public fun doorKeeper(doorKeeper: io.cashews.DoorKeeper): B = apply { this.doorKeeper = doorKeeper }.self()

    internal fun requireTtl(): Duration =
        ttl ?: throw IllegalStateException("no TTL set for the ${javaClass.simpleName}: call ttl(...) first")
}

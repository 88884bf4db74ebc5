package io.cashews.bench

import io.cashews.Cache
import io.cashews.CachedFunction1
import io.cashews.CachedFunction2
import io.cashews.JavaCache
import io.cashews.function
import io.cashews.cached
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import kotlin.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.toKotlinDuration

/**
 * The measured loops, one per contestant, all of the same shape: [BATCH] reads of consecutive workload keys from
 * a per-thread start. The suspend loop runs inside one coroutine so its start is amortised over the batch.
 */
public object HitLoops {
    /** Reads per benchmark invocation; the Java benchmarks declare it as `@OperationsPerInvocation`. */
    public const val BATCH: Int = 1024

    /**
     * The TTL of the `cached {}` contestants, made once as a service keeps its TTLs in constants: `1.hours` in the
     * loop would measure Kotlin's unit conversion (`TimeUnit.convert`), about a tenth of a hit's time, on every call.
     */
    public val TTL: Duration = 1.hours

    /** Raw Caffeine `getIfPresent` in a plain loop: the Java facade's anchor. */
    @JvmStatic
    public fun caffeine(cache: com.github.benmanes.caffeine.cache.Cache<String, Any>, keys: Array<String>, start: Int, bh: Blackhole): Int {
        var index = start
        val mask = keys.size - 1
        repeat(BATCH) { bh.consume(cache.getIfPresent(keys[index++ and mask])) }
        return index
    }

    /** [caffeine] in the coroutine loop shape of the suspend contestants: their like-for-like anchor. */
    @JvmStatic
    public fun caffeineInCoroutine(cache: com.github.benmanes.caffeine.cache.Cache<String, Any>, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(cache.getIfPresent(keys[index++ and mask])) }
            index
        }

    /** Our suspend `get` in the coroutine loop. */
    @JvmStatic
    public fun suspendGet(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        getLoop<Int>(cache, keys, start, bh)

    /**
     * Our suspend `get` asking for `Any`, as a cache of mixed values, an open class or a sealed interface does: a
     * type that may be a container, so each hit also asks whether the value holds elements to check.
     */
    @JvmStatic
    public fun suspendGetAny(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        getLoop<Any>(cache, keys, start, bh)

    // Inline, so each loop calls the inline `get<T>` with its own type, as a caller's code does.
    private inline fun <reified T> getLoop(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(cache.get<T>(keys[index++ and mask])) }
            index
        }

    /** `cached(key) { }` hits: the strategy's hit path with a key that is not built per call. */
    @JvmStatic
    public fun cachedHit(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(cache.cached(TTL, keys[index++ and mask]) { -1 }) }
            index
        }

    /**
     * Function-handle hits of one argument: `userById(id)` where `userById = cache.function(ttl = "1h",
     * key = "user:{id}") { id: Long -> … }`, over ids drawn as the workload's keys are.
     */
    @JvmStatic
    public fun handleHit1(handle: CachedFunction1<Long, Int>, ids: Array<Long>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = ids.size - 1
            repeat(BATCH) { bh.consume(handle(ids[index++ and mask])) }
            index
        }

    /** Function-handle hits of two arguments: `page(site, id)` with key `"page:{site}:{id}"`. */
    @JvmStatic
    public fun handleHit2(handle: CachedFunction2<String, Long, Int>, ids: Array<Long>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = ids.size - 1
            repeat(BATCH) { bh.consume(handle("site", ids[index++ and mask])) }
            index
        }

    /** A one-argument handle on [cache] with every id of [ids] loaded. */
    @JvmStatic
    public fun handle1(cache: Cache, ids: Array<Long>): CachedFunction1<Long, Int> {
        val handle = cache.function(ttl = "1h", key = "user:{id}") { id: Long -> id.toInt() }
        runBlocking { for (id in ids.toSet()) handle(id) }
        return handle
    }

    /** A two-argument handle on [cache] with every id of [ids] loaded. */
    @JvmStatic
    public fun handle2(cache: Cache, ids: Array<Long>): CachedFunction2<String, Long, Int> {
        val handle = cache.function(ttl = "1h", key = "page:{site}:{id}") { _: String, id: Long -> id.toInt() }
        runBlocking { for (id in ids.toSet()) handle("site", id) }
        return handle
    }

    /** Ids with the workload's distribution: each distinct key of [keys] becomes one boxed id. */
    @JvmStatic
    public fun ids(keys: Array<String>): Array<Long> {
        val byKey = HashMap<String, Long>()
        return Array(keys.size) { byKey.getOrPut(keys[it]) { byKey.size.toLong() } }
    }

    /** Caffeine's own read-through: `cache.get(key, loader)` on present keys. */
    @JvmStatic
    public fun caffeineGetWithLoader(cache: com.github.benmanes.caffeine.cache.Cache<String, Any>, keys: Array<String>, start: Int, bh: Blackhole): Int {
        var index = start
        val mask = keys.size - 1
        val loader = java.util.function.Function<String, Any> { -1 }
        repeat(BATCH) { bh.consume(cache.get(keys[index++ and mask], loader)) }
        return index
    }

    /** The suspend loop reading only the key array: what the coroutine harness itself costs and allocates. */
    @JvmStatic
    public fun suspendHarness(keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(BATCH) { bh.consume(keys[index++ and mask]) }
            index
        }

    /** `JavaCache.get(...).join()` in a plain loop, as a Java caller runs it. */
    @JvmStatic
    public fun javaFacadeGet(cache: JavaCache, keys: Array<String>, start: Int, bh: Blackhole): Int {
        var index = start
        val mask = keys.size - 1
        repeat(BATCH) { bh.consume(cache.get(keys[index++ and mask], Int::class.javaObjectType).join()) }
        return index
    }

    /** Stores [value] under every distinct key of [keys] in [cache], for [ttl] (`null`: no expiry). */
    @JvmStatic
    public fun populate(cache: Cache, keys: Array<String>, value: Int, ttl: java.time.Duration?) {
        runBlocking { for (key in keys.toSet()) cache.set(key, value, ttl?.toKotlinDuration()) }
    }
}

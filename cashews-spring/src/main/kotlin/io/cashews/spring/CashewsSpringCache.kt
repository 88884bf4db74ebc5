package io.cashews.spring

import io.cashews.InternalCacheApi
import io.cashews.JavaCache
import io.cashews.KeyTemplate
import io.cashews.RememberedKey
import io.cashews.SetCondition
import io.cashews.ValueType
import io.cashews.java.StrategyCalls
import io.cashews.spring.internal.EventLoops
import org.springframework.cache.Cache.ValueRetrievalException
import org.springframework.cache.Cache.ValueWrapper
import org.springframework.cache.support.AbstractValueAdaptingCache
import java.util.concurrent.Callable
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ExecutionException
import java.util.function.Supplier

/**
 * One of Spring's caches, kept in a cashews cache under a key prefix (see [CashewsCacheManager]).
 *
 * - `get(key, Callable)` and `retrieve(key, Supplier)` load through cashews' `cached` strategy: concurrent callers
 *   of a cold key share one load, and a failed load is not stored; `get` wraps the failure in
 *   [ValueRetrievalException] as Spring's contract asks, `retrieve` completes with it.
 * - `retrieve(key)` never blocks: an in-memory hit completes at once, anything else completes when the backend
 *   answers. The blocking methods (`get`, `put`, `evict`, …) wait for the backend on the calling thread, but never on
 *   an event loop (a Reactor `NonBlocking` thread, where Spring calls them for a `@Cacheable` future, `Mono` or
 *   `suspend` method without `sync = true`): there a lookup answers from memory or as a miss, and writes finish
 *   by themselves. Declare `sync = true` for the full behaviour.
 * - A cached `null` is kept as Spring's `NullValue` when [allowNullValues][CashewsCacheSettings.allowNullValues] is
 *   set; otherwise a `null` result is not stored, and `put(key, null)` fails as Spring's contract asks.
 * - Keys are rendered with `toString()` (Spring's `SimpleKey` included) behind the prefix.
 */
@OptIn(InternalCacheApi::class)
public class CashewsSpringCache internal constructor(
    private val name: String,
    private val cache: JavaCache,
    /** How this cache keeps its entries. */
    public val settings: CashewsCacheSettings,
) : AbstractValueAdaptingCache(settings.allowNullValues) {
    private val prefix = "${settings.prefix ?: name}:"
    private val tags = settings.tags.map { KeyTemplate.of(it, listOf(CashewsCacheSettings.KEY_PLACEHOLDER)) }
    private val loads: StrategyCalls<Any> =
        cache
            .cached(Any::class.java)
            .ttl(settings.ttl)
            .tags(settings.tags)
            .loadOn(Runnable::run)
            .calls()

    override fun getName(): String = name

    override fun getNativeCache(): JavaCache = cache

    // The blocking face answers an in-memory hit without making a future.
    private val blocking = cache.blocking()

    override fun lookup(key: Any): Any? {
        val remembered = remembered(key)
        if (!EventLoops.onEventLoop()) return blocking.get(remembered, Any::class.java)
        // An event loop must not wait: what is in memory answers now, anything else is a miss this time.
        val reading = cache.get(remembered.key, Any::class.java)
        return try {
            reading.getNow(null)
        } catch (e: CompletionException) {
            throw e.cause ?: e
        }
    }

    @Suppress("UNCHECKED_CAST")
    override fun <T : Any> get(key: Any, valueLoader: Callable<T>): T? {
        val loaded =
            loads.getBlocking(storageKey(key), tagValues(key)) {
                val value =
                    try {
                        valueLoader.call()
                    } catch (e: Exception) {
                        throw ValueRetrievalException(key, valueLoader, e)
                    }
                toStoreValue(value)
            }
        return fromStoreValue(loaded) as T?
    }

    override fun retrieve(key: Any): CompletableFuture<*> =
        cache.get(storageKey(key), Any::class.java).thenApply { found ->
            when {
                found == null -> null
                isAllowNullValues -> toValueWrapper(found)
                else -> fromStoreValue(found)
            }
        }

    @Suppress("UNCHECKED_CAST")
    override fun <T : Any> retrieve(key: Any, valueLoader: Supplier<CompletableFuture<T>>): CompletableFuture<T> =
        loads
            .get(storageKey(key), tagValues(key)) {
                val loading =
                    valueLoader.get()
                        ?: throw NullPointerException("the value loader of cache '$name' returned no future")
                loading.thenApply { toStoreValue(it) }
            }.thenApply { fromStoreValue(it) as T }

    override fun put(key: Any, value: Any?) {
        write(cache.set(storageKey(key), toStoreValue(value), ANY, settings.ttl, SetCondition.ALWAYS, tagsOf(key)))
    }

    override fun putIfAbsent(key: Any, value: Any?): ValueWrapper? {
        val stored = toStoreValue(value)
        val written =
            await(cache.set(storageKey(key), stored, ANY, settings.ttl, SetCondition.IF_ABSENT, tagsOf(key))) ?: false
        return if (written) null else get(key)
    }

    override fun evict(key: Any) {
        write(cache.delete(storageKey(key)))
    }

    override fun evictIfPresent(key: Any): Boolean = await(cache.delete(storageKey(key))) ?: false

    override fun clear() {
        write(cache.deleteMatch("$prefix*"))
    }

    /**
     * Waits for a write, or, on an event loop, lets it finish by itself (a failure is logged): Spring's `put`,
     * `evict` and `clear` return nothing, and an event loop must not wait for a network backend.
     */
    private fun write(writing: CompletableFuture<*>) {
        if (!EventLoops.onEventLoop()) {
            await(writing)
            return
        }
        writing.whenComplete { _, failure ->
            if (failure != null) LOG.warn("a write of Spring cache '{}' failed: {}", name, failure.toString())
        }
    }

    override fun invalidate(): Boolean = (await(cache.deleteMatch("$prefix*")) ?: 0L) > 0

    /** The cashews key of Spring's [key]: the prefix, a colon and the key's text. */
    public fun storageKey(key: Any): String = remembered(key).key

    /**
     * Spring's [key] as cashews reads it. Keys of immutable value types are remembered, up to a bound: a hit then
     * builds no string, the in-memory map compares the very string it stored (its hash computed once), and an
     * in-memory entry with a TTL is read through the remembered key without a second hash probe.
     */
    private fun remembered(key: Any): RememberedKey {
        keys[key]?.let { return it }
        val remembered = RememberedKey(prefix + key)
        if (keys.size < MAX_REMEMBERED && isValue(key)) return keys.putIfAbsent(key, remembered) ?: remembered
        return remembered
    }

    private val keys = ConcurrentHashMap<Any, RememberedKey>()

    private fun isValue(key: Any): Boolean =
        key is String || key is Long || key is Int || key is Short || key is Byte || key is Char ||
            key is Boolean || key is Enum<*> || key is java.util.UUID

    private fun tagValues(key: Any): Map<String, Any?> =
        if (tags.isEmpty()) emptyMap() else mapOf(CashewsCacheSettings.KEY_PLACEHOLDER to key.toString())

    private fun tagsOf(key: Any): List<String> {
        if (tags.isEmpty()) return emptyList()
        val values = tagValues(key)
        return tags.map { it.render(values) }
    }

    override fun toString(): String = "CashewsSpringCache($name, $settings)"

    private companion object {
        val LOG: org.slf4j.Logger = org.slf4j.LoggerFactory.getLogger(CashewsSpringCache::class.java)

        /** Spring passes no type when it reads, so values are written as `Object`: see [TypedValueCodec]. */
        val ANY: ValueType = ValueType.of(Any::class.java)

        /** How many keys a cache remembers the storage key of (a few MiB at most). */
        const val MAX_REMEMBERED = 65_536
    }
}

/** Waits for [future] on the calling thread, throwing what it failed with (unchecked) rather than a wrapper. */
internal fun <T> await(future: CompletableFuture<T>): T? =
    try {
        future.get()
    } catch (e: ExecutionException) {
        throw e.cause ?: e
    } catch (e: CompletionException) {
        throw e.cause ?: e
    } catch (e: InterruptedException) {
        Thread.currentThread().interrupt()
        throw e
    }

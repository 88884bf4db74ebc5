package io.cashews.bench

import com.alicp.jetcache.embedded.LinkedHashMapCacheBuilder
import com.github.benmanes.caffeine.cache.Caffeine
import com.sksamuel.aedile.core.cacheBuilder
import io.cashews.Cache
import io.cashews.JavaCache
import io.cashews.KeyTemplate
import io.cashews.cached
import io.cashews.function
import io.cashews.micrometer.CacheMetrics
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap

/**
 * The contenders of [PeersBenchmark]: one cache each, filled with every key, read and written [BATCH] keys at a time
 * from a per-thread start. Suspend APIs run their batch inside one coroutine, plain APIs in a plain loop, as their
 * callers would.
 */
public object Peers {
    /** Operations per benchmark invocation. */
    public const val BATCH: Int = 1024

    /** The contender names [PeersBenchmark] takes. */
    public val NAMES: List<String> =
        listOf(
            "concurrentHashMap",
            "caffeine",
            "caffeineExpiry",
            "caffeineAsync",
            "aedile",
            "cache4k",
            "jetcacheLocal",
            "cashewsGet",
            "cashewsCached",
            "cashewsCachedTemplate",
            "cashewsCachedPositional",
            "cashewsHandle",
            "cashewsJavaFacade",
            "cashewsJavaHandle",
            "cashewsRealistic",
            "cashewsRealisticSampled",
        )

    /** A cache under test: reads and writes of a batch of keys, answering where the thread goes on. */
    public abstract class Contender {
        /** Reads [BATCH] keys from [start]. */
        public abstract fun read(keys: Array<String>, start: Int, bh: Blackhole): Int

        /** Writes [BATCH] keys from [start]. */
        public abstract fun write(keys: Array<String>, start: Int, bh: Blackhole): Int
    }

    private const val VALUE = 1

    /** The contender [name], holding every one of [keys]. */
    @JvmStatic
    public fun contender(name: String, keys: Array<String>): Contender {
        val size = 2L * keys.size
        return when (name) {
            "concurrentHashMap" -> {
                val map = ConcurrentHashMap<String, Any>().apply { keys.forEach { put(it, VALUE) } }
                plain({ map[it] }, { map[it] = VALUE })
            }

            "caffeine" -> {
                val cache = Caffeine.newBuilder().maximumSize(size).build<String, Any>().apply { keys.forEach { put(it, VALUE) } }
                plain({ cache.getIfPresent(it) }, { cache.put(it, VALUE) })
            }

            "caffeineExpiry" -> {
                // Entries that expire, as every cached {} and handle entry does: each read then checks the clock.
                val cache =
                    Caffeine
                        .newBuilder()
                        .maximumSize(size)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build<String, Any>()
                        .apply { keys.forEach { put(it, VALUE) } }
                plain({ cache.getIfPresent(it) }, { cache.put(it, VALUE) })
            }

            "caffeineAsync" -> {
                val cache = Caffeine.newBuilder().maximumSize(size).buildAsync<String, Any>()
                val loaded = CompletableFuture.completedFuture<Any>(VALUE)
                keys.forEach { cache.put(it, loaded) }
                suspending({ cache.get(it) { _ -> VALUE }.await() }, { cache.put(it, loaded) })
            }

            "aedile" -> {
                val cache = cacheBuilder<String, Any> { maximumSize = size }.build()
                keys.forEach { cache.put(it, VALUE) }
                suspending({ cache.getIfPresent(it) }, { cache.put(it, VALUE) })
            }

            "cache4k" -> {
                val cache =
                    io.github.reactivecircus.cache4k.Cache
                        .Builder<String, Any>()
                        .maximumCacheSize(size)
                        .build()
                keys.forEach { cache.put(it, VALUE) }
                plain({ cache.get(it) }, { cache.put(it, VALUE) })
            }

            "jetcacheLocal" -> {
                val cache = LinkedHashMapCacheBuilder.createLinkedHashMapCacheBuilder().limit(size.toInt()).buildCache<String, Any>()
                keys.forEach { cache.put(it, VALUE) }
                plain({ cache.get(it) }, { cache.put(it, VALUE) })
            }

            "cashewsGet" -> {
                val cache = filled(size, keys)
                suspending({ cache.get<Int>(it) }, { cache.set(it, VALUE) })
            }

            "cashewsCached" -> {
                val cache = filled(size, keys)
                suspending({ cache.cached(HitLoops.TTL, it, prefix = "") { -1 } }, { cache.set(it, VALUE) })
            }

            "cashewsCachedTemplate" -> templated(filled(size, keys, templated = true))

            "cashewsCachedPositional" -> positional(filledByTemplate(size, keys))

            "cashewsHandle" -> {
                // Filled through the handle, as a service's handle fills its cache: by its own loads.
                val item = Cache("mem://?size=$size").function(ttl = "1h", key = "item:{id}") { _: String -> VALUE }
                runBlocking { for (key in keys.toSet()) item(key) }
                suspending({ item(it) }, { item.cache.set("item:$it", VALUE) })
            }

            "cashewsJavaFacade" -> {
                val cache = JavaCache.of(filled(size, keys))
                plain({ cache.get(it, Int::class.javaObjectType).join() }, { cache.set(it, VALUE).join() })
            }

            "cashewsJavaHandle" -> {
                val cache = JavaCache.of(Cache("mem://?size=$size"))
                val item =
                    cache
                        .cached(Int::class.javaObjectType)
                        .ttl("1h")
                        .key("item:{id}")
                        .build { _: String -> CompletableFuture.completedFuture(VALUE) }
                for (key in keys.toSet()) item.apply(key).join()
                plain({ item.apply(it).join() }, { cache.set("item:$it", VALUE).join() })
            }

            // A key template, stats, Micrometer's meters and one interceptor: what a production setup adds. The
            // interceptor observes, as tracing and logging do; one that rewrites commands is measured apart
            // (ObservabilityBenchmark.noOpInterceptorHit).
            "cashewsRealistic" -> realistic(size, keys, timeOneIn = 1)

            // The same with command timers sampled: CacheMetrics(timeOneIn = 16).
            "cashewsRealisticSampled" -> realistic(size, keys, timeOneIn = 16)

            else -> {
                throw IllegalArgumentException("unknown contender '$name'; known: $NAMES")
            }
        }
    }

    private val ITEM = KeyTemplate.of("item:{id}")

    private fun templated(cache: Cache): Contender =
        suspending(
            { cache.cached(HitLoops.TTL, ITEM, mapOf("id" to it)) { -1 } },
            { cache.set("item:$it", VALUE) },
        )

    /** A key template with the key as its one positional argument: `cache.cached(ttl, ITEM, id) { … }`. */
    private fun positional(cache: Cache): Contender =
        suspending(
            { cache.cached(HitLoops.TTL, ITEM, it) { -1 } },
            { cache.set("item:$it", VALUE) },
        )

    private fun filled(size: Long, keys: Array<String>, templated: Boolean = false): Cache {
        val cache = Cache("mem://?size=$size")
        runBlocking { for (key in keys) cache.set(if (templated) "item:$key" else key, VALUE) }
        return cache
    }

    private fun realistic(size: Long, keys: Array<String>, timeOneIn: Int): Contender {
        val cache = filledByTemplate(size, keys)
        cache.recordStats = true
        CacheMetrics(cache, "bench", timeOneIn = timeOneIn).bindTo(SimpleMeterRegistry())
        cache.addInterceptor(ObservabilityLoops.noOpObserver())
        return positional(cache)
    }

    /**
     * A cache filled through the positional template's own loads, as a service's calls fill it: the entries are then
     * stored under the keys the template remembers.
     */
    private fun filledByTemplate(size: Long, keys: Array<String>): Cache {
        val cache = Cache("mem://?size=$size")
        runBlocking { for (key in keys.toSet()) cache.cached(HitLoops.TTL, ITEM, key) { VALUE } }
        return cache
    }

    private inline fun plain(crossinline read: (String) -> Any?, crossinline write: (String) -> Unit): Contender =
        object : Contender() {
            override fun read(keys: Array<String>, start: Int, bh: Blackhole): Int {
                var index = start
                val mask = keys.size - 1
                repeat(BATCH) { bh.consume(read(keys[index++ and mask])) }
                return index
            }

            override fun write(keys: Array<String>, start: Int, bh: Blackhole): Int {
                var index = start
                val mask = keys.size - 1
                repeat(BATCH) { write(keys[index++ and mask]) }
                return index
            }
        }

    // Inline with crossinline blocks, so each contender's loop calls its cache directly, as [HitLoops] does: a
    // suspend lambda called per operation would allocate its continuation every time and measure the harness.
    private inline fun suspending(
        crossinline read: suspend (String) -> Any?,
        crossinline write: suspend (String) -> Unit,
    ): Contender =
        object : Contender() {
            override fun read(keys: Array<String>, start: Int, bh: Blackhole): Int =
                runBlocking {
                    var index = start
                    val mask = keys.size - 1
                    repeat(BATCH) { bh.consume(read(keys[index++ and mask])) }
                    index
                }

            override fun write(keys: Array<String>, start: Int, bh: Blackhole): Int =
                runBlocking {
                    var index = start
                    val mask = keys.size - 1
                    repeat(BATCH) { write(keys[index++ and mask]) }
                    index
                }
        }
}

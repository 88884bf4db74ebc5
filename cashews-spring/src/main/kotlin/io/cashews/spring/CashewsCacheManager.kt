package io.cashews.spring

import io.cashews.JavaCache
import org.springframework.cache.Cache
import org.springframework.cache.CacheManager
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap

/**
 * Spring's [CacheManager] over a cashews cache: each of Spring's caches is a key prefix of [cache], so `@Cacheable`,
 * `@CachePut` and `@CacheEvict` run on cashews' backends (memory, Redis, disk, chosen by prefix) with cashews'
 * single-flight loading, signing and codecs.
 *
 * ```java
 * @Bean CacheManager cacheManager(JavaCache cache) {
 *     return new CashewsCacheManager(cache, new CashewsCacheSettings(Duration.ofMinutes(10)),
 *         Map.of("users", new CashewsCacheSettings(Duration.ofHours(1)).withTags("users")));
 * }
 * ```
 *
 * @param defaults the settings of a cache [caches] does not name.
 * @param caches settings by cache name; these caches exist from the start.
 * @param dynamic whether a name not in [caches] makes a cache on first use (with [defaults]); when `false`,
 *   [getCache] answers `null` for it, and Spring reports the unknown cache name.
 */
public class CashewsCacheManager
    @JvmOverloads
    constructor(
        /** The cashews cache every Spring cache of this manager lives in. */
        public val cache: JavaCache,
        private val defaults: CashewsCacheSettings = CashewsCacheSettings(),
        caches: Map<String, CashewsCacheSettings> = emptyMap(),
        private val dynamic: Boolean = true,
    ) : CacheManager {
        private val settings = caches.toMap()
        private val made = ConcurrentHashMap<String, CashewsSpringCache>()

        init {
            for (name in settings.keys) getCache(name)
        }

        override fun getCache(name: String): Cache? {
            made[name]?.let { return it }
            val settings = settings[name] ?: defaults.takeIf { dynamic } ?: return null
            return made.computeIfAbsent(name) { CashewsSpringCache(it, cache, settings) }
        }

        override fun getCacheNames(): Collection<String> = Collections.unmodifiableSet(made.keys)

        /** The settings the cache [name] has or would have; `null` when this manager would not make it. */
        public fun settingsOf(name: String): CashewsCacheSettings? = settings[name] ?: defaults.takeIf { dynamic }
    }

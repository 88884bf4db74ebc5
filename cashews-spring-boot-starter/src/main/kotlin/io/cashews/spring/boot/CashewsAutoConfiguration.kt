package io.cashews.spring.boot

import io.cashews.Cache
import io.cashews.JavaCache
import io.cashews.ValueCodec
import io.cashews.jackson.JacksonCodec
import io.cashews.spring.CashewsAnnotationsRegistrar
import io.cashews.spring.CashewsCacheManager
import io.cashews.spring.CashewsCacheSettings
import io.cashews.spring.TypedValueCodec
import org.springframework.beans.factory.BeanFactory
import org.springframework.beans.factory.ObjectProvider
import org.springframework.boot.autoconfigure.AutoConfiguration
import org.springframework.boot.autoconfigure.AutoConfigurationPackages
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty
import org.springframework.boot.context.properties.EnableConfigurationProperties
import org.springframework.cache.CacheManager
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Import
import tools.jackson.databind.ObjectMapper

/**
 * Configures cashews from `cashews.*` properties ([CashewsProperties]): the [Cache] and its [JavaCache] face,
 * Spring's [CacheManager] over it ([CashewsCacheManager]), and the cashews annotations on the application's beans.
 * Each bean steps aside for one the application defines itself. Micrometer meters, the health indicator and the
 * `cashews` Actuator endpoint come from [CashewsObservabilityConfiguration] when their libraries are present.
 *
 * Backends that store bytes (Redis, disk) encode with the `cashews.codec` codec (Jackson on the application's
 * `ObjectMapper` by default, or a [ValueCodec] bean), wrapped in a [TypedValueCodec] so that Spring's caches, which
 * pass no type, decode values as the classes they were written as: classes of the application's packages (or
 * `cashews.trusted-packages`) and `java.*` only.
 */
@AutoConfiguration(beforeName = ["org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration"])
@ConditionalOnProperty(prefix = "cashews", name = ["enabled"], matchIfMissing = true)
@EnableConfigurationProperties(CashewsProperties::class)
@Import(CashewsAnnotationsRegistrar::class)
public class CashewsAutoConfiguration {
    /** The cache, set up from `cashews.setup` and `cashews.backends`; closed with the application context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public fun cashewsCache(
        properties: CashewsProperties,
        codec: ObjectProvider<ValueCodec>,
        mapper: ObjectProvider<ObjectMapper>,
        beans: BeanFactory,
    ): Cache {
        val trusted =
            properties.trustedPackages.ifEmpty {
                if (AutoConfigurationPackages.has(beans)) AutoConfigurationPackages.get(beans) else emptyList()
            }
        val codecs = Codecs(properties, codec.ifAvailable, mapper.ifAvailable, trusted, beans.javaClass.classLoader)
        val cache = Cache()
        cache.recordStats = properties.recordStats
        val params = properties.secret?.let { mapOf("secret" to it) } ?: emptyMap()
        try {
            cache.setup(properties.setup, "", params, codecs.forUrl(properties.setup))
            for (backend in properties.backends) {
                cache.setup(backend.url, backend.prefix, params, codecs.forUrl(backend.url))
            }
        } catch (e: RuntimeException) {
            cache.closeBlocking()
            throw e
        }
        return cache
    }

    /** The Java face of the cache, which the annotations and Spring's caches run on. */
    @Bean
    @ConditionalOnMissingBean
    public fun cashewsJavaCache(cache: Cache): JavaCache = JavaCache.of(cache)

    /** Spring's cache abstraction over cashews: `@Cacheable`, `@CachePut`, `@CacheEvict`. */
    @Bean
    @ConditionalOnMissingBean(CacheManager::class)
    @ConditionalOnProperty(prefix = "cashews.cache-manager", name = ["enabled"], matchIfMissing = true)
    public fun cacheManager(cache: JavaCache, properties: CashewsProperties): CashewsCacheManager {
        val manager = properties.cacheManager
        val defaults = CashewsCacheSettings(manager.defaultTtl)
        val caches =
            properties.caches.mapValues { (_, settings) ->
                CashewsCacheSettings(
                    settings.ttl ?: manager.defaultTtl,
                    settings.prefix,
                    settings.tags,
                    settings.allowNullValues,
                )
            }
        return CashewsCacheManager(cache, defaults, caches, manager.dynamic)
    }

    /** Which codec each setup URL gets. */
    private class Codecs(
        private val properties: CashewsProperties,
        private val given: ValueCodec?,
        private val mapper: ObjectMapper?,
        private val trusted: List<String>,
        private val classLoader: ClassLoader,
    ) {
        /**
         * The codec for [url]: none for an in-memory backend that nothing asks to store bytes (it keeps objects),
         * else the codec the URL names, or `cashews.codec`, wrapped to keep each value's class.
         */
        fun forUrl(url: String): ValueCodec? {
            val named = CODEC_PARAM.find(url)?.groupValues?.get(1)
            if (url.startsWith("mem://") && named == null && properties.secret == null) return null
            val name = named ?: properties.codec
            val delegate =
                when {
                    given != null && given.name == name -> given
                    name == "jackson" && mapper != null -> JacksonCodec(mapper)
                    else -> ValueCodec.named(name)
                }
            return TypedValueCodec(delegate, trusted, classLoader)
        }

        private companion object {
            val CODEC_PARAM = Regex("[?&]codec=([^&]+)")
        }
    }
}

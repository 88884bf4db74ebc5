package io.cashews.spring.boot

import org.springframework.boot.context.properties.ConfigurationProperties
import org.springframework.boot.context.properties.bind.DefaultValue
import java.time.Duration

/**
 * The `cashews.*` properties of the Spring Boot starter.
 *
 * ```yaml
 * cashews:
 *   setup: mem://?size=10000
 *   backends:
 *     - prefix: "users:"
 *       url: redis://127.0.0.1:6379/0
 *   secret: ${CACHE_SECRET}
 *   caches:
 *     users:
 *       ttl: 10m
 *       tags: [users]
 * ```
 */
@ConfigurationProperties("cashews")
public class CashewsProperties(
    /** Whether the starter configures cashews at all. */
    @DefaultValue("true") public val enabled: Boolean,
    /** The setup URL of keys no backend prefix claims (`mem://`, `redis://…`, `disk://…`). */
    @DefaultValue("mem://") public val setup: String,
    /** More backends, each for the keys that start with its prefix. */
    @DefaultValue public val backends: List<Backend>,
    /** Signs every stored value with HMAC under this secret (cashews' `secret` setup parameter); never logged. */
    public val secret: String?,
    /**
     * The codec of backends that store bytes (Redis, disk): `jackson` (the default, over the application's
     * `JsonMapper`), `jackson2`, `json`, `cbor`, `protobuf` or `java`.
     */
    @DefaultValue("jackson") public val codec: String,
    /**
     * Packages whose classes Spring's caches may decode from bytes (besides `java.*`); empty for the packages of the
     * application itself (those `@SpringBootApplication` scans).
     */
    @DefaultValue public val trustedPackages: List<String>,
    /**
     * Whether the strategies' statistics are recorded, for `JavaCache.stats()` and the `cashews` Actuator endpoint.
     * Off by default: recording takes in-memory hits off their fastest path.
     */
    @DefaultValue("false") public val recordStats: Boolean,
    /** Spring's `CacheManager` over cashews. */
    @DefaultValue public val cacheManager: CacheManager,
    /** Settings of Spring's caches by name (`cashews.caches.users.ttl=10m`). */
    @DefaultValue public val caches: Map<String, SpringCache>,
    /** The Micrometer meters of the cache, when a `MeterRegistry` bean exists. */
    @DefaultValue public val metrics: Metrics,
) {
    /** One more backend: [url] holds the keys that start with [prefix]. */
    public class Backend(
        /** The key prefix this backend holds (`"users:"`). */
        public val prefix: String,
        /** Its setup URL. */
        public val url: String,
    ) {
        override fun toString(): String = "Backend(prefix=$prefix)"
    }

    /** Settings of Spring's `CacheManager`. */
    public class CacheManager(
        /** Whether the starter provides Spring's `CacheManager` (unless the application defines its own). */
        @DefaultValue("true") public val enabled: Boolean,
        /** Whether a cache name no `cashews.caches.*` entry configures is made on first use. */
        @DefaultValue("true") public val dynamic: Boolean,
        /** The TTL of caches no entry configures. */
        @DefaultValue("1h") public val defaultTtl: Duration,
    )

    /** Settings of one of Spring's caches. */
    public class SpringCache(
        /** How long its entries are kept; the cache manager's default TTL when not set. */
        public val ttl: Duration?,
        /** The prefix of its keys; the cache's name when not set. */
        public val prefix: String?,
        /** Tags of its entries, as templates that may read `{key}`. */
        @DefaultValue public val tags: List<String>,
        /** Whether a `null` result is cached. */
        @DefaultValue("true") public val allowNullValues: Boolean,
    )

    /** Settings of the Micrometer meters. */
    public class Metrics(
        /** Whether the cache's meters are registered when a `MeterRegistry` bean exists. */
        @DefaultValue("true") public val enabled: Boolean,
        /** The `cache` tag of the meters. */
        @DefaultValue("cashews") public val name: String,
        /** Whether every backend command is timed too (`cache.operations`), at the cost of a timer per command. */
        @DefaultValue("false") public val timeCommands: Boolean,
        /** With [timeCommands]: time about one command in this many (see `CacheMetrics`); 1 times every command. */
        @DefaultValue("1") public val timeOneIn: Int,
    )

    override fun toString(): String =
        "CashewsProperties(enabled=$enabled, backends=${backends.size + 1}, secret=${if (secret == null) "unset" else "set"})"
}

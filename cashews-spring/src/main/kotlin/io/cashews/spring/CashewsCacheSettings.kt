package io.cashews.spring

import io.cashews.KeyTemplate
import io.cashews.Ttl
import kotlin.time.toJavaDuration

/**
 * How one of Spring's caches is kept in cashews (see [CashewsCacheManager]): entries live at `"<prefix>:<key>"` for
 * [ttl], labelled with [tags], and a cached `null` is kept when [allowNullValues] is set, as Spring's contract asks.
 *
 * Tags are templates that may read the entry's key as `{key}` (`"user:{key}"`), so an entry can be deleted by tag
 * from anywhere ([io.cashews.Cache.deleteTags]). Which backend holds a cache follows the prefix, as for every key:
 * `cache.setup("redis://…", "users:")` puts a cache whose prefix is `users` on Redis.
 */
public class CashewsCacheSettings
    @JvmOverloads
    constructor(
        /** How long an entry is kept; one hour unless configured, so nothing is kept forever by accident. */
        public val ttl: java.time.Duration = DEFAULT_TTL,
        /** The prefix of the cache's keys; `null` for the cache's own name. */
        public val prefix: String? = null,
        /** Tags of every entry, as templates that may read `{key}`. */
        public val tags: List<String> = emptyList(),
        /** Whether a `null` result is cached (Spring's default) or not stored at all. */
        public val allowNullValues: Boolean = true,
    ) {
        init {
            require(!ttl.isNegative && !ttl.isZero) { "cache TTL must be positive, was $ttl" }
            require(prefix == null || prefix.isNotBlank()) { "cache prefix must not be blank, was '$prefix'" }
            for (tag in tags) KeyTemplate.of(tag, listOf(KEY_PLACEHOLDER))
        }

        /** These settings with [ttl]. */
        public fun withTtl(ttl: java.time.Duration): CashewsCacheSettings =
            CashewsCacheSettings(ttl, prefix, tags, allowNullValues)

        /** These settings with [ttl] in the TTL grammar (`"10m"`). */
        public fun withTtl(ttl: String): CashewsCacheSettings = withTtl(Ttl.parse(ttl).toJavaDuration())

        /** These settings with [prefix]. */
        public fun withPrefix(prefix: String?): CashewsCacheSettings =
            CashewsCacheSettings(ttl, prefix, tags, allowNullValues)

        /** These settings with [tags]. */
        public fun withTags(vararg tags: String): CashewsCacheSettings =
            CashewsCacheSettings(ttl, prefix, tags.toList(), allowNullValues)

        /** These settings with [allowNullValues]. */
        public fun withAllowNullValues(allowNullValues: Boolean): CashewsCacheSettings =
            CashewsCacheSettings(ttl, prefix, tags, allowNullValues)

        override fun toString(): String =
            "CashewsCacheSettings(ttl=$ttl, prefix=$prefix, tags=$tags, allowNullValues=$allowNullValues)"

        public companion object {
            /** The TTL of a cache nothing configures. */
            @JvmField
            public val DEFAULT_TTL: java.time.Duration = java.time.Duration.ofHours(1)

            internal const val KEY_PLACEHOLDER = "key"
        }
    }

package io.cashews.ktor.server

import io.cashews.Cache
import io.ktor.server.application.ApplicationCall
import io.ktor.utils.io.KtorDsl

/**
 * The configuration of [Cashews]: the [cache] responses are kept in, the defaults every cached route starts from,
 * and named profiles.
 */
@KtorDsl
public class CashewsConfig internal constructor() {
    /** Where responses are kept: any cache, on any backend (memory, Redis, disk). Required. */
    public var cache: Cache? = null

    /**
     * The wall clock of `Age` and `max-age`, in epoch milliseconds. By default the cache's own ([Cache.epochMillis]),
     * which its time source advances, so a test moves one clock for the cache and its responses alike.
     */
    public var clock: (() -> Long)? = null

    /**
     * Whether `HEAD` requests are routed as `GET` requests and answered without the body, as Ktor's `AutoHeadResponse`
     * does, so cached routes answer them from their `GET` entries. On by default; it applies to the whole
     * application, so turn it off if the application declares `head(…)` routes of its own.
     */
    public var answerHead: Boolean = true

    /**
     * Whether a request's `Cache-Control` also governs the cached calls its handler makes, on [cache] (cashews'
     * request-control middleware): `no-cache` or `max-age=0` skips their reads, so they load and store fresh values;
     * `no-store` skips their writes, so nothing they load is kept; `max-age=N` is what [cacheControlTtl] answers.
     * Off by default: with it, any client may make the handler's reads recompute. [trustRequestDirectives] narrows
     * whose requests count.
     */
    public var handlerCacheControl: Boolean = false

    /**
     * With [handlerCacheControl], whose requests' directives count; others are served as if they sent none. Every
     * client's by default: return `false` for clients outside your own network.
     */
    public var trustRequestDirectives: (ApplicationCall) -> Boolean = { true }

    /**
     * Whether a response whose handler served a value from a cache (any strategy of any cache, seen by `detect`)
     * gets a strong `ETag` from its body, and a request whose `If-None-Match` matches it gets `304 Not Modified`
     * without the body (cashews' ETag middleware). Off by default. Responses of `cached { }` routes carry their own
     * `ETag` already; streamed bodies go without one.
     */
    public var etagOnCacheHits: Boolean = false

    private val defaults = ArrayList<ResponseCachingConfig.() -> Unit>()
    internal val profiles = HashMap<CacheProfileName, ResponseCachingConfig.() -> Unit>()

    /** Settings every cached route starts from. */
    public fun defaults(configure: ResponseCachingConfig.() -> Unit) {
        defaults += configure
    }

    /** Registers the profile [name], used by `cached(name) { … }` routes. */
    public fun register(name: CacheProfileName, configure: ResponseCachingConfig.() -> Unit) {
        require(name !in profiles) { "response-caching profile '${name.name}' is registered twice" }
        profiles[name] = configure
    }

    /** A route's settings: the defaults, then [configure]. */
    internal fun settings(configure: ResponseCachingConfig.() -> Unit): ResponseCachingConfig {
        val settings = ResponseCachingConfig()
        for (default in defaults) settings.default()
        settings.configure()
        return settings
    }
}

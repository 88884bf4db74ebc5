package io.cashews.ktor.server

import io.cashews.Ttl
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.utils.io.KtorDsl
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes

/**
 * How the responses of a route are cached: a profile registered with [CashewsConfig.register], the defaults of
 * [CashewsConfig], or the block of [cached]. Every setting starts from the plugin's defaults.
 */
@KtorDsl
public class ResponseCachingConfig internal constructor() {
    /**
     * How long a response is kept. Requests cannot change it: a request's `Cache-Control` only decides what that
     * request accepts (see [trustRequestDirectives]).
     */
    public var ttl: Duration = 1.minutes
        set(value) {
            field = Ttl.requirePositive(value)
        }

    /** [ttl] from a TTL string (`"5m"`, `"1h30m"`). */
    public fun ttl(value: String) {
        ttl = Ttl.parse(value)
    }

    /** How a stored response is served as it ages: [ResponseStrategy.Cached] by default. */
    public var strategy: ResponseStrategy = ResponseStrategy.Cached

    /**
     * The request headers whose values make separate entries (sent back as `Vary`), e.g. `Accept-Language`. The
     * default key is the method, the path, the query parameters sorted, and these headers. A custom [key] that reads
     * request headers must list them here too, so that `Vary` tells shared caches about them.
     */
    public val vary: MutableList<String> = mutableListOf()

    /** The statuses whose responses are stored: 2xx by default. */
    public var cacheStatus: (HttpStatusCode) -> Boolean = { it.value in 200..299 }

    /** Whether a response that sets a cookie may be stored (and so served to other clients). Off by default. */
    public var storeSetCookie: Boolean = false

    /** Whether a response the handler marked `Cache-Control: private` (or `no-store`) may be stored. Off by default. */
    public var storePrivate: Boolean = false

    /**
     * Whether responses say `Cache-Control: public` (shared caches such as a CDN or a reverse proxy may keep them and
     * serve them to anyone) or `private` (the default: only the client's own cache may). Even when set, a response to
     * a request that carried `Authorization` or `Cookie` stays `private` unless [publicWithCredentials] is set too.
     */
    public var public: Boolean = false

    /**
     * Whether a response to a request carrying `Authorization` or `Cookie` may say `public` (when [public] is set).
     * Off by default: such a response is usually personal, and a shared cache would hand it to the next client.
     */
    public var publicWithCredentials: Boolean = false

    /**
     * Whose request `Cache-Control` directives are obeyed: `no-cache` and `max-age=0` (recompute now), `max-age=N`
     * (accept only a response at most N seconds old). They decide what that request accepts, never what is stored
     * for others; a recomputation they force runs once per key however many requests force it together. Every
     * client's by default; return `false` for clients whose directives should be ignored (served as if they sent
     * none), e.g. anyone outside your own network.
     */
    public var trustRequestDirectives: (ApplicationCall) -> Boolean = { true }

    /**
     * The request methods answered from the cache: `GET`, and `HEAD` from the `GET` entry (headers without the body;
     * a `HEAD` that finds nothing stored runs the handler and stores nothing). Only these two are cacheable.
     */
    public var methods: Set<HttpMethod> = setOf(HttpMethod.Get, HttpMethod.Head)
        set(value) {
            require(value.all { it == HttpMethod.Get || it == HttpMethod.Head }) {
                "only GET and HEAD responses can be cached, not ${value - setOf(HttpMethod.Get, HttpMethod.Head)}"
            }
            field = value
        }

    /**
     * Whether a request's `Clear-Site-Data: "cache"` makes it recompute every cached read it makes, this response's
     * included. Off by default: any client could otherwise make every request recompute. Turn it on for trusted
     * clients, or decide per request with [clearSiteDataAllowed].
     */
    public var clearSiteData: Boolean = false

    /** When [clearSiteData] is on, which requests may use it (all by default). */
    public var clearSiteDataAllowed: (ApplicationCall) -> Boolean = { true }

    /** The cache key prefix of these responses, so that they never collide with the application's own keys. */
    public var prefix: String = "http"

    internal var key: ((ApplicationCall) -> String)? = null

    /** Replaces the default key (method, path, sorted query, [vary] headers) with [build]'s. */
    public fun key(build: (ApplicationCall) -> String) {
        key = build
    }
}

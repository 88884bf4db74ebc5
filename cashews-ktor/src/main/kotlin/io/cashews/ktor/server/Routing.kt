package io.cashews.ktor.server

import io.cashews.OutagePolicy
import io.cashews.Ttl
import io.cashews.ktor.server.internal.RouteResponseCaching
import io.cashews.ktor.server.internal.RouteTokenBucket
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.install
import io.ktor.server.plugins.origin
import io.ktor.server.routing.Route
import io.ktor.server.routing.RouteSelector
import io.ktor.server.routing.RouteSelectorEvaluation
import io.ktor.server.routing.RoutingResolveContext
import io.ktor.server.routing.application
import kotlin.time.Duration

/** Caches the responses of the routes [build] declares for [ttl], with the plugin's other defaults. */
public fun Route.cached(ttl: Duration, build: Route.() -> Unit): Route = cached({ this.ttl = ttl }, build)

/** Caches the responses of the routes [build] declares for [ttl] (`"5m"`, `"1h"`), with the plugin's defaults. */
public fun Route.cached(ttl: String, build: Route.() -> Unit): Route = cached(Ttl.parse(ttl), build)

/** Caches the responses of the routes [build] declares as the registered [profile] says. */
public fun Route.cached(profile: CacheProfileName, build: Route.() -> Unit): Route {
    val configure =
        application.cashewsSettings().profiles[profile]
            ?: error(
                "response-caching profile '${profile.name}' is not registered: install(Cashews) { register(…) { } }",
            )
    return cached(configure, build)
}

/** Caches the responses of the routes [build] declares, with the plugin's defaults changed by [configure]. */
public fun Route.cached(configure: ResponseCachingConfig.() -> Unit, build: Route.() -> Unit): Route {
    val cashews = application.cashewsSettings()
    val settings = cashews.settings(configure)
    val route = createChild(TransparentSelector("cached"))
    route.install(RouteResponseCaching) {
        this.settings = settings
        this.cashews = cashews
    }
    route.build()
    return route
}

/**
 * Matches whatever its parent matches: a `cached { }` or `tokenBucket { }` block adds behaviour, not a path. One
 * instance per block, so two blocks side by side are two routes, each with its own settings.
 */
private class TransparentSelector(
    private val name: String,
) : RouteSelector() {
    override suspend fun evaluate(context: RoutingResolveContext, segmentIndex: Int): RouteSelectorEvaluation =
        RouteSelectorEvaluation.Transparent

    override fun toString(): String = "($name)"
}

/**
 * Limits the routes [build] declares with a token bucket per client (see [io.cashews.tokenBucket]): each [key]
 * (default: the client's address) may make [burst] requests at once and [rate] per [period] after that. A refused
 * request is answered `429 Too Many Requests` with `Retry-After` (whole seconds, rounded up) and never reaches the
 * handler. The buckets live in the plugin's cache, so every instance sharing a Redis shares the limit.
 *
 * ```
 * tokenBucket(rate = 10, period = 1.seconds, burst = 20, key = { it.request.header("X-Api-Key") ?: "anonymous" }) {
 *     get("/search") { … }
 * }
 * ```
 */
public fun Route.tokenBucket(
    rate: Long,
    period: Duration,
    burst: Long = rate,
    key: (ApplicationCall) -> String = { it.request.origin.remoteAddress },
    whenUnavailable: OutagePolicy = OutagePolicy.LOCAL,
    build: Route.() -> Unit,
): Route {
    require(rate > 0) { "token bucket rate must be positive, was $rate" }
    require(burst > 0) { "token bucket burst must be positive, was $burst" }
    Ttl.requirePositive(period)
    val cache = application.cashewsSettings().cache!!
    val route = createChild(TransparentSelector("tokenBucket"))
    route.install(RouteTokenBucket) {
        this.cache = cache
        this.rate = rate
        this.period = period
        this.burst = burst
        this.key = key
        this.whenUnavailable = whenUnavailable
    }
    route.build()
    return route
}

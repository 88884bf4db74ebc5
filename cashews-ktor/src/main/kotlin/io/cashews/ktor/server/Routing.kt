package io.cashews.ktor.server

import io.cashews.Ttl
import io.cashews.ktor.server.internal.RouteResponseCaching
import io.ktor.server.application.install
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
    val route = createChild(CachedRouteSelector())
    route.install(RouteResponseCaching) {
        this.settings = settings
        this.cashews = cashews
    }
    route.build()
    return route
}

/**
 * Matches whatever its parent matches: a `cached { }` block adds behaviour, not a path. One instance per block, so
 * two blocks side by side are two routes, each with its own settings.
 */
private class CachedRouteSelector : RouteSelector() {
    override suspend fun evaluate(context: RoutingResolveContext, segmentIndex: Int): RouteSelectorEvaluation =
        RouteSelectorEvaluation.Transparent

    override fun toString(): String = "(cached)"
}

package io.cashews.ktor.server.internal

import io.cashews.Cache
import io.cashews.OutagePolicy
import io.cashews.RateLimitError
import io.cashews.tokenBucket
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.response.header
import io.ktor.server.response.respond
import kotlin.time.Duration

/** What a `tokenBucket { }` block limits by: see [io.cashews.ktor.server.tokenBucket]. */
internal class RouteTokenBucketSettings {
    lateinit var cache: Cache
    var rate: Long = 0
    var period: Duration = Duration.ZERO
    var burst: Long = 0
    lateinit var key: (ApplicationCall) -> String
    var prefix: String = "http_token_bucket"
    var whenUnavailable: OutagePolicy = OutagePolicy.LOCAL
}

/** The route-scoped plugin behind `tokenBucket { }`: a refused call is answered `429` with `Retry-After`. */
internal val RouteTokenBucket =
    createRouteScopedPlugin("CashewsTokenBucket", ::RouteTokenBucketSettings) {
        val settings = pluginConfig
        on(AroundHandler("CashewsTokenBucket")) { call, handler ->
            settings.cache.tokenBucket(
                settings.rate,
                settings.period,
                settings.key(call),
                settings.burst,
                prefix = settings.prefix,
                whenUnavailable = settings.whenUnavailable,
                action = { refused -> tooManyRequests(call, refused) },
            ) { handler() }
        }
    }

/** Answers `429 Too Many Requests` with `Retry-After` in whole seconds, rounded up, when the wait is known. */
internal suspend fun tooManyRequests(call: ApplicationCall, refused: RateLimitError) {
    refused.retryAfter?.let { wait ->
        val seconds = (wait.inWholeMilliseconds + 999) / 1_000
        call.response.header(HttpHeaders.RetryAfter, seconds.coerceAtLeast(1))
    }
    call.respond(HttpStatusCode.TooManyRequests)
}

@file:OptIn(InternalCacheApi::class)

package io.cashews.ktor.server.internal

import io.cashews.Command
import io.cashews.InternalCacheApi
import io.cashews.detect
import io.cashews.detectedSoFar
import io.cashews.disabling
import io.cashews.ktor.server.CashewsConfig
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.response.ApplicationSendPipeline
import kotlinx.coroutines.withContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** What a trusted request's `Cache-Control` asks of the cached calls its handler makes: see [cacheControlTtl]. */
internal class HandlerCacheControl(
    /** `max-age` as a TTL, `null` when absent or 0. */
    val maxAge: Duration?,
) : AbstractCoroutineContextElement(HandlerCacheControl) {
    companion object Key : CoroutineContext.Key<HandlerCacheControl>
}

/**
 * Runs every call's handler under its request's `Cache-Control` ([CashewsConfig.handlerCacheControl]) and inside a
 * `detect` block whose hits earn the response an `ETag` ([CashewsConfig.etagOnCacheHits]).
 */
internal fun Application.governHandlerCaching(config: CashewsConfig) {
    val cache = checkNotNull(config.cache)
    intercept(ApplicationCallPipeline.Plugins) {
        val call = context
        val control =
            if (config.handlerCacheControl && config.trustRequestDirectives(call)) {
                RequestCacheControl.parse(call.request.headers.getAll(HttpHeaders.CacheControl))
            } else {
                RequestCacheControl.NONE
            }
        val disabled = ArrayList<Command>()
        if (control.noCache || control.maxAge == 0L) disabled += listOf(Command.GET, Command.GET_MANY)
        if (control.noStore) disabled += listOf(Command.SET, Command.SET_MANY)
        val governed: suspend () -> Unit =
            if (disabled.isEmpty()) {
                { proceed() }
            } else {
                { cache.disabling(*disabled.toTypedArray()) { proceed() } }
            }
        val maxAge = control.maxAge?.takeIf { it > 0 }?.seconds
        withContext(HandlerCacheControl(maxAge)) {
            if (config.etagOnCacheHits) detect { governed() } else governed()
        }
    }
    if (config.etagOnCacheHits) {
        sendPipeline.intercept(ApplicationSendPipeline.After) { content ->
            val call = context
            if (content !is OutgoingContent.ByteArrayContent) return@intercept
            val status = content.status ?: call.response.status() ?: HttpStatusCode.OK
            if (status != HttpStatusCode.OK || call.response.headers[HttpHeaders.ETag] != null) return@intercept
            // Only a response whose handler served something from a cache: a fresh computation may differ each time.
            if (detectedSoFar().isEmpty()) return@intercept
            val etag = strongEtag(content.bytes())
            call.response.headers.append(HttpHeaders.ETag, etag)
            if (ifNoneMatches(call.request.headers.getAll(HttpHeaders.IfNoneMatch), etag)) proceedWith(NotModified)
        }
    }
}

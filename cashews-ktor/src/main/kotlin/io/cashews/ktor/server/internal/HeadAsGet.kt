package io.cashews.ktor.server.internal

import io.ktor.http.ContentType
import io.ktor.http.Headers
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.server.application.PluginBuilder
import io.ktor.server.application.hooks.ResponseBodyReadyForSend
import io.ktor.server.plugins.mutableOriginConnectionPoint
import io.ktor.util.AttributeKey

/**
 * Routes `HEAD` requests as `GET` and sends their responses without the body: what Ktor's `AutoHeadResponse` does,
 * which cached routes need to answer a `HEAD` from their `GET` entry. The request line's method stays `HEAD` in
 * `call.request.local`, which is how the response caching tells the two apart.
 */
internal fun PluginBuilder<*>.answerHeadAsGet() {
    onCall { call ->
        if (call.request.local.method == HttpMethod.Head) call.mutableOriginConnectionPoint.method = HttpMethod.Get
    }
    on(ResponseBodyReadyForSend) { call, content ->
        if (call.request.local.method == HttpMethod.Head && content !is OutgoingContent.NoContent) {
            transformBodyTo(HeadResponse(content))
        }
    }
}

/** A response's status and headers without its body. */
private class HeadResponse(
    private val original: OutgoingContent,
) : OutgoingContent.NoContent() {
    override val status: HttpStatusCode? get() = original.status
    override val contentType: ContentType? get() = original.contentType
    override val contentLength: Long? get() = original.contentLength
    override val headers: Headers get() = original.headers

    override fun <T : Any> getProperty(key: AttributeKey<T>): T? = original.getProperty(key)
}

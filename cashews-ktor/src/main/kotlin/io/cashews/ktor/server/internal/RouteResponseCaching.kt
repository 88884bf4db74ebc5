@file:OptIn(InternalCacheApi::class)

package io.cashews.ktor.server.internal

import io.cashews.Cache
import io.cashews.CacheCondition
import io.cashews.CachedPolicy
import io.cashews.CachingPolicy
import io.cashews.EarlyPolicy
import io.cashews.FailoverPolicy
import io.cashews.HitPolicy
import io.cashews.InternalCacheApi
import io.cashews.SoftPolicy
import io.cashews.StrategyDecision
import io.cashews.StrategyKeys
import io.cashews.TtlRule
import io.cashews.cached
import io.cashews.invalidateFurther
import io.cashews.ktor.server.CashewsConfig
import io.cashews.ktor.server.ResponseCachingConfig
import io.cashews.ktor.server.ResponseStrategy
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.ApplicationCallPipeline
import io.ktor.server.application.Hook
import io.ktor.server.application.call
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.application.hooks.ResponseBodyReadyForSend
import io.ktor.server.request.httpMethod
import io.ktor.server.request.path
import io.ktor.server.response.respond
import io.ktor.util.AttributeKey
import io.ktor.util.pipeline.PipelinePhase
import java.util.UUID
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** What a `cached { }` route was set up with. */
internal class RouteCachingSettings {
    lateinit var settings: ResponseCachingConfig
    lateinit var cashews: CashewsConfig
}

/** The route-scoped plugin behind `cached { }`: see [io.cashews.ktor.server.Cashews]. */
internal val RouteResponseCaching =
    createRouteScopedPlugin("CashewsResponseCaching", ::RouteCachingSettings) {
        val cache = pluginConfig.cashews.cache!!
        val caching = ResponseCaching(pluginConfig.settings, cache, pluginConfig.cashews.clock ?: cache::epochMillis)
        on(AroundHandler("CashewsResponseCaching")) { call, handler -> caching.serve(call, handler) }
        on(ResponseBodyReadyForSend) { call, content ->
            val capture = call.attributes.getOrNull(CaptureKey) ?: return@on
            caching.capture(call, content, capture)?.let(::transformBodyTo)
        }
    }

/**
 * Runs around the route's handler, which `handler()` runs (the rest of the route's pipeline), in a phase named
 * [phaseName] just before the call phase.
 */
internal class AroundHandler(
    private val phaseName: String,
) : Hook<suspend (ApplicationCall, suspend () -> Unit) -> Unit> {
    override fun install(
        pipeline: ApplicationCallPipeline,
        handler: suspend (ApplicationCall, suspend () -> Unit) -> Unit,
    ) {
        val phase = PipelinePhase(phaseName)
        pipeline.insertPhaseBefore(ApplicationCallPipeline.Call, phase)
        pipeline.intercept(phase) { handler(call) { proceed() } }
    }
}

/** A response being captured for the cache: set on the call whose handler runs for a key. */
internal class Capture(
    val key: String,
    val ttlMillis: Long,
    val freshMillis: Long,
    /** What to send instead when the handler fails (soft, failover); `null` for none. */
    val fallback: StoredResponse?,
) {
    var stored: StoredResponse? = null
}

internal val CaptureKey = AttributeKey<Capture>("CashewsCapture")

/** Thrown out of a load whose response may not be shared: its waiters run their own handlers instead. */
internal class NotStorable(
    val call: ApplicationCall,
) : Exception("the response may not be cached", null, false, false)

internal class ResponseCaching(
    private val settings: ResponseCachingConfig,
    private val cache: Cache,
    private val clock: () -> Long,
) {
    private val strategy = settings.strategy
    private val ttlMillis = settings.ttl.inWholeMilliseconds

    /** The core policy the route's strategy stands for: it decides what a request gets, as the core's strategies do. */
    private val policy: CachingPolicy =
        when (strategy) {
            ResponseStrategy.Cached -> {
                CachedPolicy(TtlRule.Fixed(settings.ttl))
            }

            is ResponseStrategy.Early -> {
                EarlyPolicy(
                    settings.ttl,
                    earlyTtl = strategy.earlyTtl.coerceAtMost(settings.ttl),
                )
            }

            is ResponseStrategy.Soft -> {
                SoftPolicy(settings.ttl, softTtl = strategy.softTtl.coerceAtMost(settings.ttl))
            }

            ResponseStrategy.Failover -> {
                FailoverPolicy(settings.ttl)
            }

            is ResponseStrategy.Hit -> {
                HitPolicy(
                    settings.ttl,
                    strategy.hits.coerceAtMost(Int.MAX_VALUE.toLong()).toInt(),
                )
            }
        }

    /** How long a response stays fresh under the strategy, at most the TTL. */
    private val freshMillis: Long =
        when (strategy) {
            is ResponseStrategy.Early -> strategy.earlyTtl.inWholeMilliseconds
            is ResponseStrategy.Soft -> strategy.softTtl.inWholeMilliseconds
            ResponseStrategy.Failover -> 0
            else -> ttlMillis
        }.coerceAtMost(ttlMillis)

    suspend fun serve(call: ApplicationCall, handler: suspend () -> Unit) {
        // The request line's method: HEAD stays HEAD here while answerHeadAsGet routes it as a GET.
        val method = call.request.local.method
        if (call.request.httpMethod != HttpMethod.Get || method !in settings.methods) return handler()
        val control =
            if (settings.trustRequestDirectives(call)) {
                RequestCacheControl.parse(call.request.headers.getAll(HttpHeaders.CacheControl))
            } else {
                RequestCacheControl.NONE
            }
        if (control.noStore) return handler()
        val clearing =
            settings.clearSiteData && clearsCache(call.request.headers.getAll("Clear-Site-Data")) &&
                settings.clearSiteDataAllowed(call)
        val key = "${settings.prefix}:${settings.key?.invoke(call) ?: defaultKey(call)}"
        // What a request sends decides what it accepts, never how long a response is kept for everybody.
        val ttl = settings.ttl
        val forced = clearing || control.noCache || control.maxAge == 0L

        val found = if (forced) Found.Recompute(null, null) else look(key, control)
        if (found is Found.Serve) return respondStored(call, found.stored)
        if (method == HttpMethod.Head) {
            // A HEAD is answered from the GET entry only: nothing stored (or stale) runs the handler, storing nothing.
            (found as? Found.Recompute)?.refreshLock?.let { cache.unlock(StrategyKeys.refresh(key), it) }
            return handler()
        }
        val recompute = found is Found.Recompute
        val usable = (found as? Found.Recompute)?.usable
        val refreshLock = (found as? Found.Recompute)?.refreshLock
        val fallback = usable.takeIf { policy is SoftPolicy || policy is FailoverPolicy }
        val load: suspend () -> StoredResponse = {
            val capture = Capture(key, ttlMillis, freshMillis, fallback)
            call.attributes.put(CaptureKey, capture)
            handler()
            capture.stored ?: throw NotStorable(call)
        }
        val stored =
            try {
                when {
                    // Clear-Site-Data: this response and every cached read its handler makes are recomputed.
                    clearing -> cache.invalidateFurther { load() }.also { cache.set(key, it, ttl) }

                    // Asked for by the request: one handler run for every request forcing the key together.
                    forced -> forcedRecomputes.share(key) { load().also { cache.set(key, it, ttl) } }

                    // The stored one stale: this request recomputes it (the stored one stays for soft and failover
                    // to fall back on, and for early's other requests).
                    recompute -> load().also { cache.set(key, it, ttl) }

                    // Not stored: one handler run for every concurrent request of the key.
                    else -> cache.cached(ttl, key, CacheCondition.Always, prefix = "") { load() }
                }
            } catch (e: NotStorable) {
                // The handler of another request ran for this key and its response may not be shared: run ours.
                // (This request's own failed response was already answered, or replaced by the stored one.)
                if (e.call !== call) handler()
                return
            } catch (e: Exception) {
                // The handler threw: soft and failover answer with the stored response, if the call is still open.
                if (fallback == null || call.response.isCommitted) throw e
                return respondStored(call, fallback)
            } finally {
                refreshLock?.let { cache.unlock(StrategyKeys.refresh(key), it) }
            }
        // Another request's handler produced it (single-flight): this call has not answered yet.
        if (!call.response.isCommitted) respondStored(call, stored)
    }

    private val forcedRecomputes = SharedRecompute()

    /** What the stored response at [key] means for this request: serve it, recompute it, or nothing is stored. */
    private sealed interface Found {
        class Serve(
            val stored: StoredResponse,
        ) : Found

        /** Recompute, with the stored response still [usable] (for fallbacks) and early's [refreshLock] if taken. */
        class Recompute(
            val usable: StoredResponse?,
            val refreshLock: String?,
        ) : Found

        object Absent : Found
    }

    /**
     * The core's decision for the stored response at [key] ([CachingPolicy.decide]): servable when it has not expired
     * by the clock and is no older than the request accepts, fresh within the strategy's fresh period, and counted by
     * the backend for `hit` at the core's counter key.
     */
    private suspend fun look(key: String, control: RequestCacheControl): Found {
        val stored = cache.get<StoredResponse>(key) ?: return Found.Absent
        val now = clock()
        val usable = stored.takeIf { it.expiresAt > now }
        val servable = usable != null && (control.maxAge == null || ageSeconds(stored, now) <= control.maxAge)
        val fresh = stored.freshUntil > now
        val counter = StrategyKeys.counter(key)
        val hits = if (policy is HitPolicy && servable && fresh) cache.incr(counter, ttl = settings.ttl) else 0
        return when (policy.decide(servable, fresh, hits)) {
            StrategyDecision.SERVE -> {
                Found.Serve(stored)
            }

            StrategyDecision.SERVE_AND_REFRESH -> {
                // Stale: one request refreshes it (leased for the fresh period); the others get it at once.
                val token = UUID.randomUUID().toString()
                if (!cache.setLock(StrategyKeys.refresh(key), token, (policy as EarlyPolicy).earlyTtl)) {
                    Found.Serve(stored)
                } else {
                    Found.Recompute(usable, token)
                }
            }

            StrategyDecision.LOAD, StrategyDecision.LOAD_UNDER_LOCK, StrategyDecision.LOAD_OR_SERVE_STALE -> {
                // Served its hits: counted again from the next store.
                if (hits > 0) cache.delete(counter)
                // Stale, past its time by the clock, or older than the request accepts: replaced, not served.
                Found.Recompute(usable, null)
            }
        }
    }

    private fun remaining(stored: StoredResponse) = (stored.expiresAt - clock()).coerceAtLeast(1).milliseconds

    /**
     * Called as the handler's response is about to be sent: records it on [capture] when it may be stored, adds the
     * caching headers, and answers the content to send instead (a streamed body copied on the way, the stored
     * response in place of a failed one, a 304), or `null`.
     */
    fun capture(call: ApplicationCall, content: OutgoingContent, capture: Capture): OutgoingContent? {
        call.attributes.remove(CaptureKey)
        val status = content.status ?: call.response.status() ?: HttpStatusCode.OK
        val headers = storedHeaders(call, content)
        if (!storable(status, call, content)) {
            val fallback = capture.fallback ?: return null
            // A server error (soft, failover; RFC 5861's stale-if-error): the stored one goes instead, headers and
            // all. Other responses that are not stored (a 404, one that sets a cookie) go out as they are.
            if (status.value < SERVER_ERROR) return null
            for ((name, value) in fallback.headers) call.response.headers.append(name, value, safeOnly = false)
            cachingHeaders(call, fallback, clock())
            return StoredContent(fallback)
        }
        val now = clock()

        fun store(body: ByteArray): StoredResponse =
            StoredResponse(
                status.value,
                content.contentType?.toString(),
                headers,
                body,
                strongEtag(body),
                now,
                now + capture.freshMillis,
                now + capture.ttlMillis,
            )
        when (content) {
            is OutgoingContent.ByteArrayContent -> {
                val stored = store(content.bytes())
                capture.stored = stored
                cachingHeaders(call, stored, now)
                // A recomputed response the client already has (a browser's reload sends max-age=0 with its ETag).
                if (ifNoneMatches(call.request.headers.getAll(HttpHeaders.IfNoneMatch), stored.etag)) return NotModified
                return null
            }

            is OutgoingContent.NoContent -> {
                val stored = store(ByteArray(0))
                capture.stored = stored
                cachingHeaders(call, stored, now)
                return null
            }

            is OutgoingContent.WriteChannelContent -> {
                // The ETag needs the whole body: the streamed response goes without it, the cached replays carry it.
                // The body is written after the handler returns, so it is stored once complete rather than through
                // the load (requests arriving meanwhile run their own handlers).
                cachingHeaders(call, store(ByteArray(0)), now, withEtag = false)
                return TeeContent(content) { body ->
                    val stored = store(body)
                    cache.set(capture.key, stored, remaining(stored))
                }
            }

            else -> {
                return null
            }
        }
    }

    private suspend fun respondStored(call: ApplicationCall, stored: StoredResponse) {
        val now = clock()
        for ((name, value) in stored.headers) call.response.headers.append(name, value, safeOnly = false)
        cachingHeaders(call, stored, now)
        if (ifNoneMatches(call.request.headers.getAll(HttpHeaders.IfNoneMatch), stored.etag)) {
            call.respond(HttpStatusCode.NotModified)
        } else {
            call.respond(StoredContent(stored))
        }
    }

    /**
     * `ETag`, `Cache-Control` (public or private, `max-age` = the response's whole freshness lifetime, and the
     * strategy's stale allowance), `Age` (seconds since it was stored) and `Vary`. RFC 9111 §4.2.3: the receiver
     * subtracts `Age` from `max-age`, so `max-age` must not shrink as well, or a shared cache would count the age twice.
     */
    private fun cachingHeaders(call: ApplicationCall, stored: StoredResponse, now: Long, withEtag: Boolean = true) {
        val headers = call.response.headers
        if (withEtag) headers.append(HttpHeaders.ETag, stored.etag)
        val control = StringBuilder(if (shareable(call)) "public" else "private")
        control.append(", max-age=").append(((stored.freshUntil - stored.storedAt) / 1000).coerceAtLeast(0))
        val staleSeconds = ((stored.expiresAt - stored.freshUntil) / 1000).coerceAtLeast(0)
        when (strategy) {
            is ResponseStrategy.Early -> {
                control.append(", stale-while-revalidate=").append(staleSeconds)
            }

            is ResponseStrategy.Soft, ResponseStrategy.Failover -> {
                control.append(", stale-if-error=").append(staleSeconds)
            }

            else -> {}
        }
        headers.append(HttpHeaders.CacheControl, control.toString())
        headers.append(HttpHeaders.Age, ageSeconds(stored, now).toString())
        if (settings.vary.isNotEmpty()) headers.append(HttpHeaders.Vary, settings.vary.joinToString(", "))
    }

    /** Whether this response may say `public`: asked for, and the request carried no credentials unless allowed. */
    private fun shareable(call: ApplicationCall): Boolean {
        if (!settings.public) return false
        if (settings.publicWithCredentials) return true
        val headers = call.request.headers
        return !headers.contains(HttpHeaders.Authorization) && !headers.contains(HttpHeaders.Cookie)
    }

    private fun storable(status: HttpStatusCode, call: ApplicationCall, content: OutgoingContent): Boolean {
        if (!settings.cacheStatus(status)) return false
        val all = call.response.headers.allValues()
        if (!settings.storeSetCookie &&
            (all.contains(HttpHeaders.SetCookie) || content.headers.contains(HttpHeaders.SetCookie))
        ) {
            return false
        }
        if (!settings.storePrivate) {
            val directives =
                (
                    all.getAll(HttpHeaders.CacheControl).orEmpty() +
                        content.headers.getAll(HttpHeaders.CacheControl).orEmpty()
                ).flatMap { it.split(',') }
                    .map { it.trim().substringBefore('=').lowercase() }
            if ("private" in directives || "no-store" in directives) return false
        }
        return true
    }

    /** The handler's headers worth replaying: not those the engine writes, nor those the cache sets itself. */
    private fun storedHeaders(call: ApplicationCall, content: OutgoingContent): List<List<String>> {
        val pairs = ArrayList<List<String>>()
        call.response.headers.allValues().forEach { name, values ->
            if (replayed(name)) {
                values.forEach {
                    pairs +=
                        listOf(name, it)
                }
            }
        }
        content.headers.forEach { name, values -> if (replayed(name)) values.forEach { pairs += listOf(name, it) } }
        return pairs
    }

    private fun replayed(name: String): Boolean = NOT_REPLAYED.none { it.equals(name, ignoreCase = true) }

    private fun ageSeconds(stored: StoredResponse, now: Long): Long = ((now - stored.storedAt) / 1000).coerceAtLeast(0)

    /** Method, path, the query parameters sorted, and the [ResponseCachingConfig.vary] headers. */
    private fun defaultKey(call: ApplicationCall): String =
        buildString {
            append(call.request.httpMethod.value).append(' ').append(call.request.path())
            val query = call.request.queryParameters
            val names = query.names().sorted()
            if (names.isNotEmpty()) {
                append('?')
                append(names.flatMap { name -> query.getAll(name).orEmpty().map { "$name=$it" } }.joinToString("&"))
            }
            for (header in settings.vary) {
                append(
                    '|',
                ).append(
                    header.lowercase(),
                ).append('=')
                    .append(
                        call.request.headers
                            .getAll(header)
                            .orEmpty()
                            .joinToString(","),
                    )
            }
        }

    private companion object {
        const val SERVER_ERROR = 500
        val NOT_REPLAYED =
            listOf(
                HttpHeaders.ContentLength,
                HttpHeaders.ContentType,
                HttpHeaders.TransferEncoding,
                HttpHeaders.Connection,
                HttpHeaders.Date,
                HttpHeaders.ETag,
                HttpHeaders.CacheControl,
                HttpHeaders.Age,
                HttpHeaders.Vary,
            )
    }
}

/** `304 Not Modified` in place of a body the client already holds. */
internal object NotModified : OutgoingContent.NoContent() {
    override val status: HttpStatusCode = HttpStatusCode.NotModified
}

/** A stored response sent again: its status, content type and body; its other headers are on the call. */
private class StoredContent(
    stored: StoredResponse,
) : OutgoingContent.ByteArrayContent() {
    private val body = stored.body
    override val status: HttpStatusCode = HttpStatusCode.fromValue(stored.status)
    override val contentType: ContentType? = stored.contentType?.let(ContentType::parse)
    override val contentLength: Long get() = body.size.toLong()

    override fun bytes(): ByteArray = body
}

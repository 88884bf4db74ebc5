package io.cashews.ktor.server

import io.cashews.Cache
import io.cashews.ktor.server.internal.answerHeadAsGet
import io.cashews.ktor.server.internal.governHandlerCaching
import io.ktor.server.application.Application
import io.ktor.server.application.ApplicationPlugin
import io.ktor.server.application.createApplicationPlugin
import io.ktor.util.AttributeKey

/**
 * Caches whole responses (status, headers and body) of the routes wrapped in [cached], in a cashews [Cache]:
 *
 * ```
 * install(Cashews) {
 *     cache = Cache("redis://localhost")
 *     register(CacheProfileName("catalog")) { ttl("10m"); vary += "Accept-Language" }
 * }
 * routing {
 *     cached(ttl = "5m") { get("/rates") { call.respondText(rates()) } }
 *     cached(CacheProfileName("catalog")) { get("/products") { … } }
 * }
 * ```
 *
 * Per request: one handler run per key at a time (single-flight), a strong `ETag` from the body's hash and `304 Not
 * Modified` for a matching `If-None-Match` without calling the handler, the request's `Cache-Control` obeyed
 * (`no-store`, `no-cache`, `max-age`: what that request accepts, never what is kept for others), `Cache-Control:
 * private, max-age=<freshness lifetime>` (`public` only when a route says so) and `Age` on every cached response,
 * `HEAD` answered from the `GET` entry, and optionally `Clear-Site-Data: "cache"`. See [ResponseCachingConfig] for
 * what is stored and sent.
 */
public val Cashews: ApplicationPlugin<CashewsConfig> =
    createApplicationPlugin("Cashews", ::CashewsConfig) {
        requireNotNull(
            pluginConfig.cache,
        ) { "install(Cashews) { cache = … }: the cache to keep responses in is required" }
        application.attributes.put(CashewsSettingsKey, pluginConfig)
        if (pluginConfig.answerHead) answerHeadAsGet()
        if (pluginConfig.handlerCacheControl ||
            pluginConfig.etagOnCacheHits
        ) {
            application.governHandlerCaching(pluginConfig)
        }
    }

internal val CashewsSettingsKey = AttributeKey<CashewsConfig>("CashewsSettings")

internal fun Application.cashewsSettings(): CashewsConfig =
    attributes.getOrNull(CashewsSettingsKey)
        ?: error("cached { } routes need the Cashews plugin: install(Cashews) { cache = … } before routing")

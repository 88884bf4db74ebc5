package io.cashews.ktor.server

import io.cashews.Cache
import io.cashews.test.RedisProcess
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.request.get
import io.ktor.client.request.header
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.response.header
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.testing.testApplication
import java.nio.file.Files
import java.util.concurrent.atomic.AtomicInteger

/** Caches a response with a custom header in [cache] and checks it comes back whole, then revalidates it. */
private fun roundTrip(cache: Cache) {
    val calls = AtomicInteger()
    testApplication {
        install(Cashews) {
            this.cache = cache
            clock = { 1_000_000L } // time stands still for Age and max-age
            defaults { public = false }
        }
        routing {
            cached("5m") {
                get("/json") {
                    call.response.header("X-Trace", "a=1; b:2")
                    call.respondText(
                        """{"n":${calls.incrementAndGet()}}""",
                        ContentType.Application.Json,
                        HttpStatusCode.Accepted,
                    )
                }
            }
        }
        val first = client.get("/json")
        val second = client.get("/json")
        second.status shouldBe HttpStatusCode.Accepted
        second.bodyAsText() shouldBe """{"n":1}"""
        second.headers[HttpHeaders.ContentType] shouldBe first.headers[HttpHeaders.ContentType]
        second.headers["X-Trace"] shouldBe "a=1; b:2"
        second.headers[HttpHeaders.CacheControl] shouldBe "private, max-age=300"
        client.get("/json") { header(HttpHeaders.IfNoneMatch, first.headers[HttpHeaders.ETag]!!) }.status shouldBe
            HttpStatusCode.NotModified
        calls.get() shouldBe 1
    }
}

class BackendsSpec : FunSpec({
    test("responses round-trip through a Redis backend (bytes through the codec), private when configured") {
        RedisProcess.start().use { redis ->
            val cache = Cache(redis.url)
            try {
                roundTrip(cache)
            } finally {
                kotlinx.coroutines.runBlocking { cache.close() }
            }
        }
    }

    test("responses round-trip through a disk backend") {
        val directory = Files.createTempDirectory("cashews-ktor-disk")
        val cache = Cache("disk://?directory=$directory&shards=2")
        try {
            roundTrip(cache)
        } finally {
            kotlinx.coroutines.runBlocking { cache.close() }
            directory.toFile().deleteRecursively()
        }
    }
})

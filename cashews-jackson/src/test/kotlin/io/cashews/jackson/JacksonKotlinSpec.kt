package io.cashews.jackson

import io.cashews.Cache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Instant

/** From Kotlin the codec gets the caller's full type, so a generic value comes back with its element types. */
class JacksonKotlinSpec : FunSpec({
    data class Visit(val page: String, val at: Instant, val referrer: String? = null)

    test("a list of data classes round-trips with its element type") {
        val cache = Cache("mem://?codec=jackson")
        val visits = listOf(Visit("/", Instant.parse("2026-12-03T10:00:00Z")), Visit("/a", Instant.EPOCH, "/"))

        cache.set("visits", visits)

        val read = cache.get<List<Visit>>("visits")
        read shouldBe visits
        read!!.first()::class shouldBe Visit::class
        cache.get<Map<String, List<Instant>>>("missing") shouldBe null
        cache.set("by-page", mapOf("/" to listOf(Instant.EPOCH)))
        cache.get<Map<String, List<Instant>>>("by-page") shouldBe mapOf("/" to listOf(Instant.EPOCH))
    }
})

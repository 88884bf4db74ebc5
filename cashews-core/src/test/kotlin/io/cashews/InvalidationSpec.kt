package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

class InvalidationSpec : FunSpec({
    val userKey = KeyTemplate.of("user:{id}:{lang}")

    test("invalidate deletes the rendered key after the block succeeds, so the next cached call recomputes") {
        runTest {
            val cache = Cache("mem://")
            var loads = 0

            suspend fun user(id: Int) = cache.cached(1.minutes, userKey, mapOf("id" to id, "lang" to "en")) { ++loads }
            user(1)
            user(1)
            loads shouldBe 1
            cache.invalidate(userKey, mapOf("id" to 1, "lang" to "en")) { "renamed" } shouldBe "renamed"
            user(1)
            loads shouldBe 2
        }
    }

    test("a placeholder without a value matches every key, and glob characters in values are literal") {
        runTest {
            val cache = Cache("mem://")
            cache.set("user:1:en", "a")
            cache.set("user:1:de", "b")
            cache.set("user:2:en", "c")
            cache.set("user:*:en", "star")
            cache.invalidate(userKey, mapOf("id" to 1)) {}
            cache.scan("*").toList() shouldContainExactlyInAnyOrder listOf("user:2:en", "user:*:en")
            cache.invalidate(userKey, mapOf("id" to "*", "lang" to "en")) {}
            cache.scan("*").toList() shouldBe listOf("user:2:en")
        }
    }

    test("a failing block invalidates nothing") {
        runTest {
            val cache = Cache("mem://")
            cache.set("user:1:en", "a")
            shouldThrow<IllegalStateException> {
                cache.invalidate(
                    "user:{id}:{lang}",
                    mapOf("id" to 1),
                ) { error("boom") }
            }
            cache.get<String>("user:1:en") shouldBe "a"
        }
    }

    test("invalidate with a strategy's prefix drops that strategy's entries, filters applied") {
        runTest {
            val cache = Cache("mem://")
            val template = KeyTemplate.of("token:{user:hash(md5)}")
            var loads = 0

            suspend fun token() =
                cache.early(
                    1.minutes,
                    template.render(mapOf("user" to "ann")),
                    30.seconds,
                ) { ++loads }
            token()
            token()
            loads shouldBe 1
            cache.invalidate(template, mapOf("user" to "ann"), prefix = "early") {}
            token()
            loads shouldBe 2
        }
    }

    test("invalidateFurther: every read inside deletes, cached calls recompute and store, outside is unaffected") {
        runTest {
            val cache = Cache("mem://")
            var loads = 0

            suspend fun value() = cache.cached(1.minutes, key = "v") { ++loads }
            value() shouldBe 1
            cache.set("a", 1)
            cache.set("b", 2)
            cache.invalidateFurther {
                value() shouldBe 2
                cache.getMany<Int>(listOf("a", "x")) shouldBe listOf(null, null)
                cache.getMatch<Int>("*").toList() shouldBe emptyList()
                launch { cache.get<Int>("v") shouldBe null }.join()
            }
            // The value stored inside was deleted again by the reads that followed it.
            value() shouldBe 3
            value() shouldBe 3
            cache.exists("a") shouldBe false
            cache.exists("b") shouldBe false
        }
    }

    test("invalidateFurther stores what is recomputed inside") {
        runTest {
            val cache = Cache("mem://")
            cache.set("k", "old")
            cache.invalidateFurther { cache.cached(1.minutes, key = "k") { "new" } } shouldBe "new"
            cache.get<String>("k") shouldBe "new"
            cache.route("k").local shouldBe cache.route("k").backend
        }
    }
})

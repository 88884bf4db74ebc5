package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours

/** A service written the way users write them: the cached call sits in a method and captures its arguments. */
private class UserService(
    private val cache: Cache,
) {
    val loads = AtomicInteger()

    suspend fun user(id: Long, region: String): String =
        cache.cached(1.hours) {
            "user-$id-$region-${loads.incrementAndGet()}"
        }

    suspend fun admin(id: Long): String = cache.cached(1.hours) { "admin-$id-${loads.incrementAndGet()}" }
}

class DerivedKeySpec : FunSpec({
    test("the same call site and arguments share a key; other arguments and call sites do not") {
        runTest {
            val cache = Cache("mem://")
            val service = UserService(cache)
            service.user(1, "eu") shouldBe "user-1-eu-1"
            service.user(1, "eu") shouldBe "user-1-eu-1"
            service.user(2, "eu") shouldBe "user-2-eu-2"
            service.admin(1) shouldBe "admin-1-3"
            service.loads.get() shouldBe 3
        }
    }

    test("keys name the call site and the captured values, not the enclosing instance") {
        runTest {
            val cache = Cache("mem://")
            UserService(cache).user(42, "us")
            UserService(cache).user(42, "us") shouldBe "user-42-us-1"
            val key = cache.scan("*").toList().single()
            key shouldStartWith "io.cashews.UserService"
            key shouldContain ":id:42"
            key shouldContain ":region:us"
        }
    }

    test("derived keys work on byte backends too") {
        runTest {
            val cache = Cache("mem://?codec=json")
            val service = UserService(cache)
            repeat(3) { service.user(7, "eu") shouldBe "user-7-eu-1" }
            cache.scan("*").toList() shouldHaveSize 1
        }
    }
})

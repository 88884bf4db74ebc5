package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.minutes

/**
 * After deleteTags, every command agrees that the keys it removed are gone: reads, conditional writes, incr,
 * expire, delete, exists, ttl, scans and counts; on an object backend and on a byte backend.
 */
class TagConsistencySpec : FunSpec({
    for ((name, params) in valueModes) {
        test("$name: a key removed by deleteTags is gone for every command") {
            runTest {
                val cache = memoryCache(params)

                suspend fun tagged(key: String, value: String) = cache.set(key, value, 1.minutes, tags = listOf("t"))

                listOf("a", "b", "c", "d", "e", "f").forEach { tagged(it, "text $it") }
                cache.set("kept", "untagged")
                cache.deleteTags("t")

                cache.get<String>("a") shouldBe null
                cache.exists("b") shouldBe false
                cache.ttl("b") shouldBe KeyTtl.Missing
                cache.set("c", "new", condition = SetCondition.IF_ABSENT) shouldBe true // NX: it is absent
                cache.get<String>("c") shouldBe "new"
                cache.set("d", "new", condition = SetCondition.IF_EXISTS) shouldBe false // XX: it is absent
                cache.get<String>("d") shouldBe null
                cache.incr("e") shouldBe 1 // from 0, not NotAnIntegerError on the old text
                cache.expire("f", 5.minutes) shouldBe false
                cache.delete("a") shouldBe false
                cache.keysCount() shouldBe
                    cache
                        .scan()
                        .toList()
                        .size
                        .toLong()
                cache.scan("?").toList() shouldContainExactlyInAnyOrder listOf("c", "e")
                cache.getMatch<String>("?").toList() shouldBe listOf("c" to "new")
                cache.deleteMatch("?") shouldBe 2 // c and e; nothing counted twice
                cache.get<String>("kept") shouldBe "untagged"
            }
        }
    }

    test(
        "invalidate with a glob in the template's text deletes what it matches; glob characters in values stay literal",
    ) {
        runTest {
            val cache = Cache("mem://")
            cache.set("items:page:1", 1)
            cache.set("items:page:2", 2)
            cache.set("items:*", 0)
            cache.set("other:page:1", 3)
            cache.invalidate("items:page:*") { "renamed" } shouldBe "renamed"
            cache.get<Int>("items:page:1") shouldBe null
            cache.get<Int>("items:page:2") shouldBe null
            cache.get<Int>("other:page:1") shouldBe 3
            cache.get<Int>("items:*") shouldBe 0
            // A value with a glob character matches only itself.
            cache.set("user:a*", 1)
            cache.set("user:ab", 2)
            cache.invalidate("user:{name}", mapOf("name" to "a*")) { Unit }
            cache.get<Int>("user:a*") shouldBe null
            cache.get<Int>("user:ab") shouldBe 2
        }
    }
})

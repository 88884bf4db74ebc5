package io.cashews

import io.cashews.internal.load.HandleKeys
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.UUID
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

@OptIn(InternalCacheApi::class)
class HandleKeysSpec : FunSpec({
    fun keys(template: String, vararg names: String) =
        HandleKeys(CachedPolicy.of("1h", template), KeyTemplate.of(template), names.toList())

    /** The remembered key's text, or `null` when the arguments are not remembered. */
    fun HandleKeys.textOf(a: Any?, b: Any?, c: Any?): String? = remembered(a, b, c)?.key

    test("every key of a working set larger than the first table is remembered: a second pass renders nothing") {
        val keys = keys("page:{site}:{id}", "site", "id")
        val first = (0L until 20_000L).map { id -> keys.remembered("site", id, null)!! }
        first[1234].key shouldBe "page:site:1234"
        keys.size shouldBe 20_000
        // The same remembered keys come back: found in the memo, not rendered again.
        (0L until 20_000L).forEach { id ->
            keys.remembered("site", id, null)!! shouldBeSameInstanceAs first[id.toInt()]
        }
    }

    test("arguments equal by value find their key; different arguments never share one") {
        val keys = keys("user:{id}:{kind}", "id", "kind")
        val uuid = UUID.randomUUID()
        keys.textOf(uuid, "a", null) shouldBe "user:$uuid:a"
        keys.textOf(UUID.fromString(uuid.toString()), "a", null) shouldBe "user:$uuid:a"
        keys.textOf(uuid, "b", null) shouldBe "user:$uuid:b"
        keys.textOf(42L, null, null) shouldBe "user:42:"
        keys.textOf(42L, "a", null) shouldBe "user:42:a"
    }

    test("past its largest size the memo replaces old keys, and every key it answers is still right") {
        val keys = keys("user:{id}", "id")
        for (id in 0L until 300_000L) keys.textOf(id, null, null) shouldBe "user:$id"
        keys.size shouldBeLessThanOrEqual 131_072
        for (id in 0L until 300_000L step 7) keys.textOf(id, null, null) shouldBe "user:$id"
    }

    test("arguments of mutable types and templates reading the KeyContext are not remembered") {
        keys("user:{id}", "id").textOf(mutableListOf(1), null, null).shouldBeNull()
        keys("user:{@tenant}:{id}", "id").textOf(1L, null, null).shouldBeNull()
    }

    test("threads remembering overlapping keys while the table grows each get their own key") {
        val keys = keys("user:{id}", "id")
        val threads = 4
        val start = CountDownLatch(1)
        val pool = Executors.newFixedThreadPool(threads)
        try {
            val results =
                (0 until threads).map { thread ->
                    pool.submit<List<Pair<Long, String?>>> {
                        start.await()
                        // Each thread walks the same ids from a different offset, so they race on inserts and growth.
                        (0L until 10_000L).map { step ->
                            val id = (step + thread * 2_500L) % 10_000L
                            id to keys.textOf(id, null, null)
                        }
                    }
                }
            start.countDown()
            for (result in results) {
                for ((id, key) in result.get(1, TimeUnit.MINUTES)) key shouldBe "user:$id"
            }
            keys.size shouldBe 10_000
        } finally {
            pool.shutdownNow()
        }
    }
})

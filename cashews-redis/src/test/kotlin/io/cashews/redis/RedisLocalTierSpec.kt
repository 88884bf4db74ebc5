package io.cashews.redis

import io.cashews.Cache
import io.cashews.SetupError
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.future.await

/** GETs Redis has answered since its stats were reset. */
private suspend fun gets(redis: RedisProcess): Long =
    raw(redis) { it.info("commandstats").await() }
        .lines()
        .firstOrNull { it.startsWith("cmdstat_get:") }
        ?.substringAfter("calls=")
        ?.substringBefore(",")
        ?.toLong() ?: 0L

class RedisLocalTierSpec : FunSpec({
    test("local=size:ttl serves reads in this process; another process's write drops the copy through pub/sub") {
        twoCaches("?local=1000:1m") { first, second, redis ->
            first.set("k", "v1")
            first.get<String>("k") shouldBe "v1"
            raw(redis) { it.configResetstat().await() }
            repeat(3) { first.get<String>("k") shouldBe "v1" }
            gets(redis) shouldBe 0L // answered by the local tier

            second.get<String>("k") shouldBe "v1" // the second process keeps a copy too
            second.set("k", "v2")
            awaitTrue { first.get<String>("k") == "v2" }
            second.delete("k")
            awaitTrue { first.get<String>("k") == null }

            first.set("other", "o")
            second.get<String>("other") shouldBe "o"
            first.deleteMatch("oth*") // a pattern: every copy of the other process goes
            awaitTrue { second.get<String>("other") == null }
        }
    }

    test("this process's own writes drop its copy at once, before and after they reach Redis") {
        twoCaches("?local=1000:1m") { first, _, _ ->
            first.set("k", "a")
            first.get<String>("k") shouldBe "a"
            first.set("k", "b")
            first.get<String>("k") shouldBe "b"
            first.incr("n", 1)
            first.get<Long>("n") shouldBe 1L
            first.incr("n", 1)
            first.get<Long>("n") shouldBe 2L
            first.getMany<String>(listOf("k", "missing")) shouldBe listOf("b", null)
            first.delete("k")
            first.get<String>("k") shouldBe null
        }
    }

    test("a bad local setting is refused naming the value; a memory backend needs no local tier") {
        RedisProcess.start().use { redis ->
            shouldThrow<SetupError> { Cache(redis.url + "?local=lots") }.message shouldContain
                "'local' has value 'lots'"
            shouldThrow<SetupError> { Cache(redis.url + "?local=10:0s") }.message shouldContain "size:ttl"
        }
        shouldThrow<SetupError> { Cache("mem://?local=10:1m") }.message shouldContain "in memory"
    }
})

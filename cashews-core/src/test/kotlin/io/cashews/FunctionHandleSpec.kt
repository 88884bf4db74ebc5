package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class FunctionHandleSpec : FunSpec({
    // aquiche: @alru_cache(enabled=False) "is not checked actively during the runtime": fixed at binding.
    test("a handle bound with enabled = false calls its function every time and stores nothing") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            val square =
                cache.function<Int, Int>(ttl = "1h", key = "square:{n}", enabled = false) { n ->
                    loads.incrementAndGet()
                    n * n
                }
            square.enabled shouldBe false
            repeat(3) { square(4) shouldBe 16 }
            loads.get() shouldBe 3
            cache.exists("square:4") shouldBe false
            val info = square.info()
            info.hits shouldBe 0
            info.misses shouldBe 3
            info.loads shouldBe 3
            val enabled = cache.function<Int, Int>(ttl = "1h", key = "square:{n}") { n -> n * n }
            enabled.enabled shouldBe true
            enabled(4) shouldBe 16
            cache.exists("square:4") shouldBe true
        }
    }

    test("a handle caches each argument's value under its key, and invalidate and clear drop them") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            val userById =
                cache.function(
                    ttl = "3h",
                    key = "user:{id}",
                ) { id: Long -> "user$id#${loads.incrementAndGet()}" }

            userById(42) shouldBe "user42#1"
            userById(42) shouldBe "user42#1"
            userById(7) shouldBe "user7#2"
            cache.get<String>("user:42") shouldBe "user42#1"

            userById.invalidate(42) shouldBe true
            userById.invalidate(42) shouldBe false
            userById(42) shouldBe "user42#3"
            userById(7) shouldBe "user7#2"

            userById.clear() shouldBe 2
            userById(7) shouldBe "user7#4"
        }
    }

    test("info counts hits, misses and loads, and the values the handle holds") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val square = cache.function(ttl = "1h", key = "square:{n}") { n: Int -> n * n }
            cache.set("square-unrelated", 1)

            square(2)
            square(2)
            square(3)
            square(2)
            val info = square.info()
            info.hits shouldBe 2
            info.misses shouldBe 2
            info.loads shouldBe 2
            info.size shouldBe 2
        }
    }

    test("concurrent calls of a cold key share one load: every caller is a miss, the function runs once") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val gate = CompletableDeferred<Unit>()
            val loads = AtomicInteger()
            val slow =
                cache.function(ttl = "1h", key = "slow:{id}") { id: String ->
                    gate.await()
                    "$id#${loads.incrementAndGet()}"
                }
            val callers = List(20) { async { slow("a") } }
            runCurrent()
            gate.complete(Unit)
            callers.awaitAll().toSet() shouldBe setOf("a#1")
            val info = slow.info()
            info.loads shouldBe 1
            info.misses shouldBe 20
        }
    }

    test("tags are templates rendered with the call's arguments") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            val page =
                cache.function(ttl = "1h", key = "page:{site}:{n}", tags = listOf("site:{site}", "pages")) {
                    site: String,
                    n: Int,
                    ->
                    "$site/$n#${loads.incrementAndGet()}"
                }
            page("a", 1) shouldBe "a/1#1"
            page("b", 1) shouldBe "b/1#2"
            cache.deleteTags("site:a")
            page("a", 1) shouldBe "a/1#3"
            page("b", 1) shouldBe "b/1#2"
            cache.deleteTags("pages")
            page("b", 1) shouldBe "b/1#4"
        }
    }

    test("parameters bind to the template's placeholders in order, or by the names given") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val byOrder = cache.function(ttl = "1h", key = "x:{a}:{b}") { a: Int, b: Int -> a - b }
            byOrder(5, 3) shouldBe 2
            cache.get<Int>("x:5:3") shouldBe 2

            val byName =
                cache
                    .function(
                        CachedPolicy.of("1h", "y:{b}:{a}"),
                    ).params("a", "b")
                    .bind2(ValueType.of<Int>()) { a: Int, b: Int ->
                        a -
                            b
                    }
            byName(5, 3) shouldBe 2
            cache.get<Int>("y:3:5") shouldBe 2

            val none = cache.function<String>(ttl = "1h", key = "z") { "constant" }
            none() shouldBe "constant"
            cache.get<String>("z") shouldBe "constant"

            val three =
                cache.function(ttl = "1h", key = "w:{a}:{b}:{c}") { a: String, b: Long, c: Boolean -> "$a$b$c" }
            three("q", 1, true) shouldBe "q1true"
            cache.get<String>("w:q:1:true") shouldBe "q1true"
        }
    }

    test("a template that does not fit the function is refused when the handle is built, naming the mismatch") {
        val cache = Cache("mem://")
        shouldThrow<KeyTemplateError> {
            cache.function(ttl = "1h", key = "user:{id}:{lang}") { id: Long -> id }
        }.message shouldContain "user:{id}:{lang}"
        shouldThrow<KeyTemplateError> {
            cache
                .function(
                    CachedPolicy.of("1h", "user:{id}"),
                ).params("other")
                .bind1(ValueType.of<Long>()) { id: Long -> id }
        }.message shouldContain "'id'"
        // Without a template, the derived one takes the names params(…) gives: two names for one argument do not fit.
        shouldThrow<KeyTemplateError> {
            cache
                .function(CachedPolicy(TtlRule.Fixed(1.hours)))
                .params("id", "lang")
                .bind1(ValueType.of<Long>()) { id: Long -> id }
        }.message shouldContain "binds 2 argument(s) (id, lang) but the function takes 1"
    }

    test("context placeholders come from the calling coroutine's KeyContext") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            val user =
                cache.function(
                    ttl = "1h",
                    key = "{@tenant}:user:{id}",
                ) { id: Long -> "$id#${loads.incrementAndGet()}" }
            withContext(KeyContext(mapOf("tenant" to "acme"))) { user(1) } shouldBe "1#1"
            withContext(KeyContext(mapOf("tenant" to "other"))) { user(1) } shouldBe "1#2"
            withContext(KeyContext(mapOf("tenant" to "acme"))) { user(1) } shouldBe "1#1"
            cache.get<String>("acme:user:1") shouldBe "1#1"
        }
    }

    test("every strategy can be bound: early serves stale and refreshes in the background") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            val loads = AtomicInteger()
            val rates =
                cache.function(
                    EarlyPolicy(1.minutes, KeyTemplate.of("rates:{c}"), earlyTtl = 10.seconds),
                ) { c: String ->
                    "$c#${loads.incrementAndGet()}"
                }
            rates("eur") shouldBe "eur#1"
            time += 10.seconds
            rates("eur") shouldBe "eur#1"
            runCurrent()
            rates("eur") shouldBe "eur#2"
            cache.get<String>("early:rates:eur") shouldBe "eur#2"
            rates.invalidate("eur") shouldBe true
            cache.exists("early:rates:eur:fresh") shouldBe false
        }
    }

    test("soft, failover, hit and locked handles behave as their strategies") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            var failing = false
            val soft =
                cache.function(SoftPolicy(1.minutes, KeyTemplate.of("s:{k}"), softTtl = 10.seconds)) { k: String ->
                    if (failing) throw IOException("down") else "$k-fresh"
                }
            soft("a") shouldBe "a-fresh"
            time += 11.seconds
            failing = true
            soft("a") shouldBe "a-fresh"

            val failover =
                cache.function(FailoverPolicy(1.minutes, KeyTemplate.of("f:{k}"))) { k: String ->
                    if (failing) throw IOException("down") else "$k-ok"
                }
            failing = false
            failover("b") shouldBe "b-ok"
            failing = true
            failover("b") shouldBe "b-ok"
            shouldThrow<IOException> { failover("never") }

            val loads = AtomicInteger()
            val twice =
                cache.function(
                    HitPolicy(1.minutes, 2, KeyTemplate.of("h:{k}")),
                ) { k: String -> "$k${loads.incrementAndGet()}" }
            List(6) { twice("c") } shouldBe listOf("c1", "c1", "c1", "c2", "c2", "c2")

            val locked = cache.function(LockedPolicy(1.minutes, KeyTemplate.of("job:{id}"))) { id: Int -> id * 10 }
            locked(4) shouldBe 40
            locked.info().loads shouldBe 1
        }
    }

    test("the policy a handle was bound with is its parameters") {
        val cache = Cache("mem://")
        val handle = cache.function(ttl = "3h", key = "user:{id}", tags = listOf("users")) { id: Long -> id }
        val parameters = handle.policy.parameters()
        parameters["ttl"].toString() shouldBe "3h"
        parameters["key"].toString() shouldBe "user:{id}"
        parameters["tags"] shouldBe listOf("users")
        parameters["protected"] shouldBe true
        handle.policy.toString() shouldContain "CachedPolicy(ttl=3h, key=user:{id}"
        handle.key.template shouldBe "user:{id}"
    }

    test("info reports the memory backend's last expiry sweep, which runs in the cache's scope on its time source") {
        runTest {
            val cache = Cache("mem://?check_interval=1s", testScheduler.timeSource, backgroundScope)
            val handle = cache.function(ttl = "5s", key = "v:{n}") { n: Int -> n }
            handle(1)
            handle.info().sinceExpirySweep.shouldBeNull()
            advanceTimeBy(1.seconds + 1.seconds / 10)
            val since = handle.info().sinceExpirySweep.shouldNotBeNull()
            since.inWholeMilliseconds shouldBeLessThan 1_000
            handle.info().size shouldBe 1
            advanceTimeBy(5.seconds)
            // Swept out by the sweep that ran in virtual time, not read away: the backend holds nothing.
            (cache.route("v:1").backend as MemoryBackend).storedCount() shouldBe 0
        }
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.lang.management.ManagementFactory
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

class TagsSpec : FunSpec({
    // Object mode, and byte mode with signing: tags travel in the value itself in the second.
    val urls = listOf("mem://", "mem://?secret=s3cr3t&digestmod=sha256")

    context("deleteTags removes every key carrying the tag, from every read command") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("user:1", "ann", tags = listOf("users"))
            cache.set("user:2", "bob", ttl = 1.hours, tags = listOf("users", "team:a"))
            cache.set("other", "kept", tags = listOf("others"))

            cache.deleteTags("users")

            cache.get<String>("user:1") shouldBe null
            cache.getMany<String>(listOf("user:1", "user:2", "other")) shouldBe listOf(null, null, "kept")
            cache.exists("user:2") shouldBe false
            cache.ttl("user:2") shouldBe KeyTtl.Missing
            cache.scan("user:*").toList() shouldBe emptyList()
            cache.getMatch<String>("*").toList() shouldBe listOf("other" to "kept")
            cache.get<String>("other") shouldBe "kept"
        }
    }

    context("any one of a value's tags removes it") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("k", "v", tags = listOf("a", "b"))
            cache.deleteTags("b")
            cache.get<String>("k") shouldBe null
        }
    }

    context("a key overwritten without the tag survives deleteTags") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("k", "tagged", tags = listOf("t"))
            cache.set("k", "plain")
            cache.deleteTags("t")
            cache.get<String>("k") shouldBe "plain"
        }
    }

    context("a key deleted and set again without the tag survives deleteTags") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("k", "tagged", tags = listOf("t"))
            cache.delete("k")
            cache.set("k", "plain")
            cache.deleteTags("t")
            cache.get<String>("k") shouldBe "plain"
        }
    }

    context("a tagged key that expired and came back without the tag survives deleteTags") {
        withTests(urls) { url ->
            val time = TestTimeSource()
            val cache = Cache(url, time)
            cache.set("k", "tagged", ttl = 1.seconds, tags = listOf("t"))
            time += 2.seconds
            cache.set("k", "plain")
            cache.deleteTags("t")
            cache.get<String>("k") shouldBe "plain"
        }
    }

    context("values tagged after deleteTags are readable again") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("k", "old", tags = listOf("t"))
            cache.deleteTags("t")
            cache.set("k", "new", tags = listOf("t"))
            cache.get<String>("k") shouldBe "new"
        }
    }

    context("a tagged null stays a cached null until its tag is deleted") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set<String?>("k", null, tags = listOf("t"))
            cache.exists("k") shouldBe true
            cache.deleteTags("t")
            cache.exists("k") shouldBe false
        }
    }

    context("a lost tag version makes its values misses, never resurrects them") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("k", "v", tags = listOf("t"))
            cache.deleteTags("t")
            cache.deleteMatch("_tag:*") // version keys evicted or deleted by hand
            cache.get<String>("k") shouldBe null
        }
    }

    context("incr with tags: deleteTags resets the counter") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.incr("hits", tags = listOf("t")) shouldBe 1
            cache.incr("hits") shouldBe 2
            cache.get<Long>("hits") shouldBe 2
            cache.deleteTags("t")
            cache.get<Long>("hits") shouldBe null
            cache.exists("hits") shouldBe false
            cache.incr("hits") shouldBe 1
        }
    }

    context("a counter overwritten or recreated without tags survives deleteTags") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.incr("a", tags = listOf("t"))
            cache.set("a", 10)
            cache.incr("b", tags = listOf("t"))
            cache.delete("b")
            cache.incr("b", by = 5)
            cache.deleteTags("t")
            cache.get<Long>("a") shouldBe 10
            cache.get<Long>("b") shouldBe 5
        }
    }

    context("an integer set with tags stays a counter and goes with its tag") {
        withTests(urls) { url ->
            val cache = Cache(url)
            cache.set("n", 41, tags = listOf("t"))
            cache.incr("n") shouldBe 42
            cache.deleteTags("t")
            cache.get<Int>("n") shouldBe null
        }
    }

    test("a blank tag is refused with the tag in the message") {
        runTest {
            val cache = Cache("mem://")
            shouldThrow<IllegalArgumentException> { cache.set("k", "v", tags = listOf(" ")) }.message shouldContain
                "' '"
            shouldThrow<IllegalArgumentException> { cache.deleteTags("") }
        }
    }

    test("cached with tags loads again after deleteTags") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            repeat(2) { cache.cached(1.hours, "user:1", tags = listOf("users")) { loads.incrementAndGet() } shouldBe 1 }
            cache.deleteTags("users")
            cache.cached(1.hours, "user:1", tags = listOf("users")) { loads.incrementAndGet() } shouldBe 2
            loads.get() shouldBe 2
        }
    }

    test("templated tags are rendered with the key's arguments") {
        runTest {
            val cache = Cache("mem://")
            val key = KeyTemplate.of("page:{page}:item:{id}")
            val loads = AtomicInteger()

            suspend fun item(page: Int, id: Int): Int =
                cache.cached(1.hours, key, mapOf("page" to page, "id" to id), tags = listOf("page:{page}")) {
                    loads.incrementAndGet()
                }
            item(1, 1)
            item(2, 1)
            cache.deleteTags("page:1")
            item(1, 1)
            item(2, 1)
            loads.get() shouldBe 3 // page 1 again, page 2 still cached
        }
    }

    test("a deleteTags while a load runs leaves that load's result unreadable") {
        runTest {
            val cache = Cache("mem://")
            val gate = CompletableDeferred<Unit>()
            val loads = AtomicInteger()
            val first =
                async {
                    cache.cached(1.hours, "k", tags = listOf("t")) {
                        loads.incrementAndGet()
                        gate.await()
                        "stale"
                    }
                }
            runCurrent()
            cache.deleteTags("t")
            gate.complete(Unit)
            first.await() shouldBe "stale" // its callers still get it
            cache.get<String>("k") shouldBe null
            cache.cached(1.hours, "k", tags = listOf("t")) { "fresh" } shouldBe "fresh"
        }
    }

    test("early, soft, failover, hit and dynamic all take tags") {
        runTest {
            val cache = Cache("mem://")
            val loads = AtomicInteger()
            val tags = listOf("t")
            cache.early(1.hours, "e", tags = tags) { loads.incrementAndGet() }
            cache.soft(1.hours, "s", tags = tags) { loads.incrementAndGet() }
            cache.failover(1.hours, "f", tags = tags) { loads.incrementAndGet() }
            cache.hit(1.hours, "h", cacheHits = 10, tags = tags) { loads.incrementAndGet() }
            cache.dynamic("d", tags = tags) { loads.incrementAndGet() }
            cache.get<Int>("early:e") shouldBe 1
            cache.deleteTags("t")
            for (key in listOf("early:e", "soft:s", "fail:f", "hit:h", "dynamic:d")) cache.get<Int>(key) shouldBe null
            cache.early(1.hours, "e", tags = tags) { loads.incrementAndGet() } shouldBe 6
            cache.soft(1.hours, "s", tags = tags) { loads.incrementAndGet() } shouldBe 7
        }
    }

    test("a cached flow with tags is collected upstream again after deleteTags") {
        runTest {
            val cache = Cache("mem://")
            val collections = AtomicInteger()
            val upstream = flowOf(1, 2, 3).onEach { if (it == 1) collections.incrementAndGet() }
            val cached = upstream.cached(cache, key = "numbers", ttl = 10.minutes, tags = listOf("t")).map { it * 10 }
            cached.toList() shouldBe listOf(10, 20, 30)
            cached.toList() shouldBe listOf(10, 20, 30)
            collections.get() shouldBe 1
            cache.deleteTags("t")
            cached.toList() shouldBe listOf(10, 20, 30)
            collections.get() shouldBe 2
        }
    }

    test("the Java facade sets, counts and deletes by tag") {
        val cache = Cache("mem://")
        val java = JavaCache.of(cache)
        java.set("k", "v", null, SetCondition.ALWAYS, listOf("t")).get() shouldBe true
        java.incr("c", 1, null, listOf("t")).get() shouldBe 1
        java.deleteTags(listOf("t")).get()
        java.get("k", String::class.java).get() shouldBe null
        java.get("c", Long::class.javaObjectType).get() shouldBe null
    }

    test("deleteTags of a tag on 1 000 000 keys takes constant memory, and every one of them is gone") {
        val cache = Cache("mem://?size=2000000")
        val tags = listOf("bulk")
        runBlocking {
            for (i in 0 until 1_000_000) cache.set("k$i", i.toString(), tags = tags)
            cache.get<String>("k999999") shouldBe "999999"
            val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
            val before = threads.getThreadAllocatedBytes(Thread.currentThread().id)
            cache.deleteTags("bulk")
            val allocated = threads.getThreadAllocatedBytes(Thread.currentThread().id) - before
            allocated shouldBeLessThan 64L * 1024
            for (i in 0 until 1_000_000 step 997) cache.get<String>("k$i") shouldBe null
        }
    }

    test(
        "tags computed from the result label the value beside the tags known before the load (cacheme's invalid_keys)",
    ) {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()

            // A book (id 100) owned by a user (id 200): the owner is known only from the loaded book.
            suspend fun owner(bookId: Long) =
                cache.cached(
                    1.hours,
                    "book:$bookId>owner",
                    tags = listOf("book:$bookId"),
                    resultTags = { owner: String -> listOf("user:${owner.substringAfter('#')}") },
                ) {
                    loads.incrementAndGet()
                    "owner of $bookId #200"
                }
            owner(100) shouldBe "owner of 100 #200"
            owner(100)
            loads.get() shouldBe 1
            cache.deleteTags(listOf("user:200"))
            owner(100)
            loads.get() shouldBe 2
            cache.deleteTags(listOf("book:100"))
            owner(100)
            loads.get() shouldBe 3

            // Any strategy takes them through its policy; a load that stores nothing computes none.
            val asked = AtomicInteger()
            val policy =
                SoftPolicy(1.hours, KeyTemplate.of("shelf:{id}"), resultTags = { value ->
                    asked.incrementAndGet()
                    listOf("shelf-of:$value")
                })
            cache.withPolicy(policy, mapOf("id" to 1)) { "ann" } shouldBe "ann"
            cache.exists("soft:shelf:1") shouldBe true
            cache.deleteTags(listOf("shelf-of:ann"))
            cache.exists("soft:shelf:1") shouldBe false
            cache.cached(1.hours, "none", condition = CacheCondition.NotNull, resultTags = { _: String? ->
                error("not asked")
            }) {
                null
            } shouldBe null
            asked.get() shouldBe 1
            ("resultTags" in policy.parameters()) shouldBe true
        }
    }
})

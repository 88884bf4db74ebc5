package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.runBlocking
import java.lang.management.ManagementFactory
import java.util.concurrent.CompletableFuture
import java.util.function.Function
import kotlin.time.Duration.Companion.hours

private val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

/** Bytes the current thread allocates while [block] runs; inline, so that calling [block] allocates nothing itself. */
private inline fun allocatedBy(block: () -> Unit): Long {
    val id = Thread.currentThread().id
    val before = threads.getThreadAllocatedBytes(id)
    block()
    return threads.getThreadAllocatedBytes(id) - before
}

/**
 * Hits of the in-memory backend allocate nothing on the calling thread: counted exactly by the JVM's per-thread
 * allocation counter around a loop of hits, after a first pass has loaded every key (and the classes involved). An
 * object allocated per hit would cost at least 16 bytes a hit, so the bound is under one byte a hit: what remains is
 * occasional work, such as the memory backend's maintenance handed to its executor, and the loop's own frames.
 */
class HitAllocationSpec : FunSpec({
    // Boxed once, as a caller's own ids are; read by index, since a `for (id in ids)` loop unboxes each id into a
    // primitive and boxes it again for the call.
    val ids = Array(1_000) { it.toLong() }
    val sites = arrayOf("a", "b")

    suspend fun callBoth(
        userById: CachedFunction1<Long, Int>,
        page: CachedFunction2<String, Long, Int>,
    ): Int {
        var sum = 0
        for (i in ids.indices) sum += userById(ids[i]) + page(sites[i and 1], ids[i])
        return sum
    }

    test("a hit of a function handle whose key has one or two value arguments allocates nothing") {
        runBlocking {
            val cache = Cache("mem://?size=10000")
            val userById = cache.function(ttl = "1h", key = "user:{id}") { id: Long -> id.toInt() }
            val page = cache.function(ttl = "1h", key = "page:{site}:{id}") { site: String, id: Long -> site.length }
            var sum = 0
            repeat(2) { sum += callBoth(userById, page) }

            allocatedBy { repeat(10) { sum += callBoth(userById, page) } } shouldBeLessThan 10L * 2 * ids.size
            userById.info().loads shouldBe 1_000L
            sum shouldBe (2 + 10) * ids.sumOf { it.toInt() + 1 }
        }
    }

    test("a hit of cached with a constant key, and of get, allocates nothing") {
        runBlocking {
            val cache = Cache("mem://?size=10000")
            val keys = Array(1_000) { "item:$it" }
            var sum = 0
            repeat(2) { for (key in keys) sum += cache.cached(1.hours, key) { key.length } }

            allocatedBy {
                repeat(10) {
                    for (key in keys) sum += cache.cached(1.hours, key) { -1 } + (cache.get<Int>(key) ?: -1)
                }
            } shouldBeLessThan 10L * 2 * keys.size
            sum shouldBe (2 + 20) * keys.sumOf { it.length }
        }
    }

    test("a blocking hit through remembered keys, as Spring's caches read, allocates nothing") {
        @OptIn(InternalCacheApi::class)
        run {
            val cache = Cache("mem://?size=10000")
            val blocking = JavaCache.of(cache).blocking()
            val keys = Array(1_000) { RememberedKey("item:$it") }
            runBlocking { for (key in keys) cache.set(key.key, key.key.length, 1.hours) }
            var sum = 0
            repeat(2) { for (key in keys) sum += blocking.get(key, Int::class.javaObjectType)!! }

            allocatedBy {
                repeat(10) { for (key in keys) sum += blocking.get(key, Int::class.javaObjectType)!! }
            } shouldBeLessThan 10L * keys.size
            sum shouldBe 12 * keys.sumOf { it.key.length }
        }
    }

    test("a hit of a Java function handle answers a shared completed future and allocates nothing") {
        val cache = Cache("mem://?size=10000")
        val userById =
            JavaCache
                .of(cache)
                .cached(Int::class.javaObjectType)
                .ttl("1h")
                .key("user:{id}")
                .build(Function { id: Long -> CompletableFuture.completedFuture(id.toInt()) })
        var sum = 0
        repeat(2) { for (i in ids.indices) sum += userById.apply(ids[i]).join() }

        allocatedBy { repeat(10) { for (i in ids.indices) sum += userById.apply(ids[i]).join() } } shouldBeLessThan
            10L * ids.size
        sum shouldBe 12 * ids.sumOf { it.toInt() }
        userById.apply(ids[7]) shouldBeSameInstanceAs userById.apply(ids[7])
        cache.close()
    }

    test("a hit of cached with a key template and one to four positional value arguments allocates nothing") {
        runBlocking {
            val cache = Cache("mem://?size=20000")
            val one = KeyTemplate.of("user:{id}")
            val four = KeyTemplate.of("row:{site}:{id}:{flag}:{kind}")
            val kinds = arrayOf(Command.GET, Command.SET)

            suspend fun pass(): Int {
                var sum = 0
                for (i in ids.indices) {
                    sum += cache.cached(1.hours, one, ids[i]) { 1 }
                    sum += cache.cached(1.hours, four, sites[i and 1], ids[i], (i and 1) == 0, kinds[i and 1]) { 2 }
                }
                return sum
            }
            var sum = 0
            repeat(2) { sum += pass() }

            allocatedBy { repeat(10) { sum += pass() } } shouldBeLessThan 10L * 2 * ids.size
            sum shouldBe (2 + 10) * 3 * ids.size
            cache.get<Int>("row:b:1:false:SET") shouldBe 2
        }
    }

    test("a hit with observing interceptors in the way allocates nothing") {
        runBlocking {
            val cache = Cache("mem://?size=10000")
            val keys = Array(1_000) { "item:$it" }
            var observed = 0L
            repeat(2) {
                cache.addInterceptor(
                    object : CommandObserver {
                        override fun onStart(kind: Command, key: String?, layer: String): Long = 1L

                        override fun onEnd(
                            kind: Command,
                            key: String?,
                            layer: String,
                            started: Long,
                            failure: Throwable?,
                        ) {
                            observed += started
                        }
                    },
                )
            }
            var sum = 0
            repeat(2) { for (key in keys) sum += cache.cached(1.hours, key) { key.length } }

            val before = observed
            allocatedBy {
                repeat(10) { for (key in keys) sum += cache.cached(1.hours, key) { -1 } }
            } shouldBeLessThan 10L * keys.size
            sum shouldBe (2 + 10) * keys.sumOf { it.length }
            observed - before shouldBe 2L * 10 * keys.size // each hit's read, seen by both observers
        }
    }

    test("a Java set on the memory backend allocates at most a completed future and the backend's own bookkeeping") {
        val java = JavaCache.of(Cache("mem://?size=10000"))
        val keys = Array(1_000) { "item:$it" }
        val value: Any = 42
        repeat(2) { for (key in keys) java.set(key, value).join() }

        val sets = 10 * keys.size
        val bytes = allocatedBy { repeat(10) { for (key in keys) java.set(key, value).join() } }
        // A coroutine per call cost about 864 bytes: the bound is what a completed future and a map write take.
        bytes shouldBeLessThan 64L * sets
        java.get("item:7", Int::class.javaObjectType).join() shouldBe 42
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.io.IOException
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Counts the commands that reach the backend, by class. */
private class CommandCounter : CacheInterceptor {
    val seen: MutableList<String> = Collections.synchronizedList(ArrayList())

    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
        seen += chain.command.javaClass.simpleName
        return chain.proceed(chain.command)
    }

    fun count(name: String): Int = synchronized(seen) { seen.count { it == name } }
}

class BatchLoadingSpec : FunSpec({
    test("hits come from one getMany and the misses from one call of the bulk loader, in the order asked") {
        runBlocking {
            val cache = Cache("mem://")
            cache.set("user:2", "Bo")
            val commands = CommandCounter().also(cache::addInterceptor)
            val asked = mutableListOf<List<Int>>()
            val users =
                cache.cachedMany(listOf(3, 2, 1, 3), 1.hours, keyOf = { "user:$it" }) { missing ->
                    asked += missing
                    missing.associateWith { "user $it" }
                }
            users.keys.toList() shouldContainExactly listOf(3, 2, 1)
            users shouldBe mapOf(3 to "user 3", 2 to "Bo", 1 to "user 1")
            asked shouldBe listOf(listOf(3, 1))
            commands.count("GetMany") shouldBe 1
            commands.count("Get") shouldBe 0
            // Stored: the next batch is all hits.
            cache.cachedMany<Int, String>(
                listOf(1, 2, 3),
                1.hours,
                keyOf = { "user:$it" },
            ) { error("no load expected: $it") } shouldBe
                mapOf(1 to "user 1", 2 to "Bo", 3 to "user 3")
            cache.get<String>("user:3") shouldBe "user 3"
        }
    }

    test("overlapping batches and single calls load each key once: a key another is loading is awaited") {
        runBlocking(Dispatchers.Default) {
            val cache = Cache("mem://")
            val loadsOf = java.util.concurrent.ConcurrentHashMap<Int, AtomicInteger>()
            val firstStarted = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val first =
                async {
                    cache.cachedMany(listOf(1, 2, 3), 1.hours) { missing ->
                        missing.forEach { loadsOf.computeIfAbsent(it) { AtomicInteger() }.incrementAndGet() }
                        firstStarted.complete(Unit)
                        release.await()
                        missing.associateWith { "v$it" }
                    }
                }
            firstStarted.await()
            val secondAsked = CompletableDeferred<List<Int>>()
            val second =
                async {
                    cache.cachedMany(listOf(2, 3, 4), 1.hours) { missing ->
                        missing.forEach { loadsOf.computeIfAbsent(it) { AtomicInteger() }.incrementAndGet() }
                        secondAsked.complete(missing)
                        missing.associateWith { "w$it" }
                    }
                }
            val single = async { cache.cached<String>(1.hours, "3") { error("3 is being loaded by the first batch") } }
            secondAsked.await() shouldBe listOf(4)
            release.complete(Unit)
            first.await() shouldBe mapOf(1 to "v1", 2 to "v2", 3 to "v3")
            second.await() shouldBe mapOf(2 to "v2", 3 to "v3", 4 to "w4")
            single.await() shouldBe "v3"
            loadsOf.mapValues { it.value.get() } shouldBe mapOf(1 to 1, 2 to 1, 3 to 1, 4 to 1)
        }
    }

    test("ids the loader leaves out are absent and not stored; a single caller waiting on one loads it itself") {
        runBlocking {
            val cache = Cache("mem://", scope = CoroutineScope(coroutineContext.minusKey(Job)))
            val release = CompletableDeferred<Unit>()
            val batch =
                async {
                    cache.cachedMany(listOf("a", "b"), 1.hours) {
                        release.await()
                        mapOf("a" to 1, "extra" to 9) // "b" left out, "extra" unasked
                    }
                }
            yield()
            val ownLoads = AtomicInteger()
            val waitingOnB = async { cache.cached(1.hours, "b") { ownLoads.incrementAndGet() + 1 } }
            yield()
            ownLoads.get() shouldBe 0 // waiting on the batch, not loading
            release.complete(Unit)
            batch.await() shouldBe mapOf("a" to 1)
            waitingOnB.await() shouldBe 2
            ownLoads.get() shouldBe 1
            cache.get<Int>("extra") shouldBe 9 // everything the loader answers is stored, as Caffeine does
            cache.cachedMany(listOf("b", "c"), 1.hours) { missing -> missing.associateWith { 3 } } shouldBe
                mapOf("b" to 2, "c" to 3)
        }
    }

    test("a failing bulk loader stores nothing and gives its own exception to the batch and to every waiter") {
        runBlocking {
            // One event loop runs the test and the cache's loads, so the waiter has joined before the load fails.
            val cache = Cache("mem://", scope = CoroutineScope(coroutineContext.minusKey(Job)))
            val failure = IOException("database down")
            val release = CompletableDeferred<Unit>()
            val batch =
                async {
                    runCatching {
                        cache.cachedMany<String, String>(listOf("x", "y"), 1.hours) {
                            release.await()
                            throw failure
                        }
                    }
                }
            yield()
            val waiter = async { runCatching { cache.cached<String>(1.hours, "y") { "never" } } }
            yield()
            release.complete(Unit)
            batch.await().exceptionOrNull() shouldBeSameInstanceAs failure
            waiter.await().exceptionOrNull() shouldBeSameInstanceAs failure
            cache.exists("x") shouldBe false
            cache.exists("y") shouldBe false
            cache.cachedMany(listOf("x"), 1.hours) { mapOf("x" to "loaded") } shouldBe mapOf("x" to "loaded")
        }
    }

    test("a null in the loader's answer is a cached result; a cached failure is thrown again") {
        runBlocking {
            val cache = Cache("mem://")
            cache.cachedMany<String, String?>(listOf("n"), 1.hours) { mapOf("n" to null) } shouldBe mapOf("n" to null)
            cache.cachedMany<String, String?>(listOf("n"), 1.hours) { error("cached") } shouldBe mapOf("n" to null)
            val boom = IllegalStateException("boom")
            runCatching {
                cache.cached<String>(
                    1.hours,
                    "f",
                    condition = CacheCondition.withExceptions(IllegalStateException::class),
                ) {
                    throw boom
                }
            }
            shouldThrow<IllegalStateException> {
                cache.cachedMany<String, String>(
                    listOf("f"),
                    1.hours,
                    condition = CacheCondition.withExceptions(IllegalStateException::class),
                ) { error("not loaded: the failure is cached") }
            }.message shouldBe "boom"
        }
    }

    test("cancelling the only caller cancels the bulk load; another waiter keeps it running") {
        runBlocking(Dispatchers.Default) {
            val cache = Cache("mem://")
            val started = CompletableDeferred<Unit>()
            val cancelled = CompletableDeferred<Unit>()
            val alone =
                launch {
                    cache.cachedMany<String, String>(listOf("p", "q"), 1.hours) {
                        try {
                            started.complete(Unit)
                            awaitCancellation()
                        } finally {
                            cancelled.complete(Unit)
                        }
                    }
                }
            started.await()
            alone.cancelAndJoin()
            withTimeout(10.seconds) { cancelled.await() }
        }
        runBlocking {
            val cache = Cache("mem://", scope = CoroutineScope(coroutineContext.minusKey(Job)))
            val release = CompletableDeferred<Unit>()
            val loads = AtomicInteger()
            val leaving =
                launch {
                    cache.cachedMany(listOf("r", "s"), 1.hours) { missing ->
                        loads.incrementAndGet()
                        release.await()
                        missing.associateWith { it.uppercase() }
                    }
                }
            yield()
            val staying = async { cache.cached(1.hours, "s") { "own" } }
            yield()
            leaving.cancelAndJoin()
            release.complete(Unit)
            staying.await() shouldBe "S"
            loads.get() shouldBe 1
            cache.get<String>("r") shouldBe "R"
        }
    }

    test("deleting a key while its batch loads keeps the result out of the cache") {
        runBlocking(Dispatchers.Default) {
            val cache = Cache("mem://")
            val started = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            val batch =
                async {
                    cache.cachedMany(listOf("d", "e"), 1.hours) { missing ->
                        started.complete(Unit)
                        release.await()
                        missing.associateWith { 1 }
                    }
                }
            started.await()
            cache.delete("d")
            release.complete(Unit)
            batch.await() shouldBe mapOf("d" to 1, "e" to 1)
            cache.exists("d") shouldBe false
            cache.exists("e") shouldBe true
        }
    }

    test("tags label every value of a batch; a handle's bulk loader renders its tags per argument") {
        runBlocking {
            val cache = Cache("mem://")
            cache.cachedMany(listOf(1, 2), 1.hours, keyOf = { "u:$it" }, tags = listOf("users")) { ids ->
                ids.associateWith { "u$it" }
            }
            cache.deleteTags("users")
            cache.exists("u:1") shouldBe false

            val bulkCalls = mutableListOf<List<Long>>()
            val user =
                cache
                    .function(CachedPolicy.of("1h", "user:{id}", tags = listOf("user:{id}"))) { id: Long -> "one $id" }
                    .withBulkLoader { ids ->
                        bulkCalls += ids
                        ids.associateWith { "bulk $it" }
                    }
            user(7) shouldBe "one 7"
            user.getAll(listOf(7L, 8L, 9L)) shouldBe mapOf(7L to "one 7", 8L to "bulk 8", 9L to "bulk 9")
            bulkCalls shouldBe listOf(listOf(8L, 9L))
            cache.deleteTags("user:8")
            user.getAll(listOf(8L, 9L)) shouldBe mapOf(8L to "bulk 8", 9L to "bulk 9")
            bulkCalls shouldBe listOf(listOf(8L, 9L), listOf(8L))
            val info = user.info()
            info.hits shouldBe 2
            info.misses shouldBe 4
            info.loads shouldBe 4
        }
    }

    test("a handle without a bulk loader loads the missing values with its own function") {
        runBlocking {
            val cache = Cache("mem://")
            val square = cache.function(ttl = "1h", key = "sq:{n}") { n: Int -> n * n }
            square.getAll(listOf(2, 3)) shouldBe mapOf(2 to 4, 3 to 9)
            cache.get<Int>("sq:3") shouldBe 9
        }
    }

    test("coalescing: single calls that miss together become one getMany and one bulk load") {
        runBlocking {
            // The test's event loop runs the cache's work, without its job: the batch is gathered in one turn.
            val cache = Cache("mem://", scope = CoroutineScope(coroutineContext.minusKey(Job)))
            val commands = CommandCounter().also(cache::addInterceptor)
            val bulkCalls = mutableListOf<List<Int>>()
            val item =
                cache
                    .function(ttl = "1h", key = "item:{id}") { id: Int -> "one $id" }
                    .withBulkLoader(coalesce = true) { ids ->
                        bulkCalls += ids
                        ids.filter { it != 13 }.associateWith { "bulk $it" }
                    }
            val answers = (1..50).map { id -> async { item(id) } }.awaitAll()
            answers shouldBe (1..50).map { if (it == 13) "one 13" else "bulk $it" }
            bulkCalls shouldBe listOf((1..50).toList())
            commands.count("GetMany") shouldBe 1
            // Hits stay single calls, answered at once.
            item(1) shouldBe "bulk 1"
            bulkCalls.size shouldBe 1
        }
    }

    test("coalesced callers get the bulk loader's own exception") {
        runBlocking {
            // The test's event loop runs the cache's work, without its job: the batch is gathered in one turn.
            val cache = Cache("mem://", scope = CoroutineScope(coroutineContext.minusKey(Job)))
            val failure = IOException("bulk down")
            val item =
                cache.function(ttl = "1h", key = "i:{id}") { id: Int -> id }.withBulkLoader(coalesce = true) {
                    throw failure
                }
            val outcomes = (1..3).map { id -> async { runCatching { item(id) } } }.awaitAll()
            outcomes.forEach { it.exceptionOrNull() shouldBeSameInstanceAs failure }
        }
    }

    test("a coalesced call on a cache whose scope has stopped fails at once instead of waiting forever") {
        runBlocking {
            val stopped = Job().apply { cancel() }
            val cache = Cache("mem://", scope = CoroutineScope(stopped))
            val item =
                cache.function(ttl = "1h", key = "s:{id}") { id: Int -> id }.withBulkLoader(coalesce = true) { ids ->
                    ids.associateWith { it }
                }
            val failure = withTimeout(10.seconds) { runCatching { item(1) } }.exceptionOrNull()
            (failure is IllegalStateException) shouldBe true
            failure!!.message shouldBe "the cache stopped before this batch ran"
        }
    }

    test("only a cached handle coalesces, and the refusal names the strategy") {
        val cache = Cache("mem://")
        val early = cache.function(EarlyPolicy(1.hours, KeyTemplate.of("e:{id}"))) { id: Int -> id }
        shouldThrow<IllegalArgumentException> { early.withBulkLoader(coalesce = true) { emptyMap() } }.message shouldBe
            "only a cached handle coalesces its calls; this one is 'early'"
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.test.testTimeSource
import kotlinx.coroutines.withContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

private fun TestScope.txCache(url: String = "mem://") = Cache(url, testTimeSource)

/** The reference's isolation scenario: 4 concurrent transactions each incrementing one counter twice, one failing. */
private suspend fun TestScope.isolationScenario(mode: TransactionMode): Long {
    val cache = txCache()
    coroutineScope {
        (1..4).map { i ->
            launch {
                runCatching {
                    cache.transaction(mode) {
                        cache.incr("counter")
                        delay(10.milliseconds) // every transaction reads before any commits
                        cache.incr("counter")
                        if (i == 3) throw IllegalStateException("transaction $i fails")
                    }
                }
            }
        }
    }
    return cache.get<Long>("counter")!!
}

class TransactionSpec : FunSpec({
    test("isolation: FAST loses updates") {
        runTest { isolationScenario(TransactionMode.FAST) shouldBe 2 }
    }

    test("isolation: LOCKED applies the three successful transactions one after the other") {
        runTest { isolationScenario(TransactionMode.LOCKED) shouldBe 6 }
    }

    test("isolation: SERIALIZABLE applies the three successful transactions one after the other") {
        runTest { isolationScenario(TransactionMode.SERIALIZABLE) shouldBe 6 }
    }

    context("writes are seen inside, applied at commit, discarded when the block throws") {
        withTests(listOf("mem://", "mem://?secret=s3cr3t")) { url ->
            val cache = Cache(url)
            cache.set("keep", "old")
            cache.set("drop", "x")
            cache.set("n", 10L)
            cache.transaction(TransactionMode.FAST) {
                cache.set("keep", "new")
                cache.delete("drop") shouldBe true
                cache.incr("n", 5) shouldBe 15
                cache.setMany(mapOf("m1" to "a", "m2" to "b"))
                cache.get<String>("keep") shouldBe "new"
                cache.exists("drop") shouldBe false
                cache.get<Long>("n") shouldBe 15
                cache.getMany<String>(listOf("keep", "drop", "m1")) shouldBe listOf("new", null, "a")
                cache.scan("m*").toList().sorted() shouldBe listOf("m1", "m2")
                cache.keysCount() shouldBe 4
            }
            cache.get<String>("keep") shouldBe "new"
            cache.exists("drop") shouldBe false
            cache.get<Long>("n") shouldBe 15
            cache.get<String>("m2") shouldBe "b"

            shouldThrow<IllegalStateException> {
                cache.transaction {
                    cache.set("keep", "lost")
                    cache.incr("n")
                    error("boom")
                }
            }
            cache.get<String>("keep") shouldBe "new"
            cache.get<Long>("n") shouldBe 15
        }
    }

    test("a coroutine outside the transaction does not see its writes before the commit") {
        runTest {
            val cache = txCache()
            cache.set("k", "before")
            val written = CompletableDeferred<Unit>()
            val seen = CompletableDeferred<String?>()
            coroutineScope {
                launch {
                    written.await()
                    seen.complete(cache.get<String>("k"))
                }
                cache.transaction {
                    cache.set("k", "inside")
                    written.complete(Unit)
                    seen.await() shouldBe "before"
                }
            }
            cache.get<String>("k") shouldBe "inside"
        }
    }

    test("hits leave the direct path while a transaction runs and get it back with the next command after it") {
        runTest(timeout = 30.seconds) {
            val cache = txCache()
            cache.set("a", 1)
            cache.routing.route("a").local shouldNotBe null
            cache.transaction(TransactionMode.FAST) {
                cache.routing.route("a").local shouldBe null
                cache.set("a", 2)
            }
            // Not rebuilt as the block ends: a transaction right after it would take the routes off again.
            cache.routing.route("a").local shouldBe null
            cache.get<Int>("a") shouldBe 2
            cache.routing.route("a").local shouldNotBe null
        }
    }

    test("a block that moves to another dispatcher stays in the transaction, and its caller resumes on its thread") {
        runBlocking {
            val cache = Cache("mem://")
            val caller = Thread.currentThread()
            val outside = this
            val read =
                cache.transaction(TransactionMode.FAST) {
                    withContext(Dispatchers.Default) { cache.set("a", 1) }
                    outside.async(Dispatchers.Default) { cache.get<Int>("a") }.await() shouldBe null
                    cache.get<Int>("a")
                }
            read shouldBe 1
            Thread.currentThread() shouldBe caller
            cache.get<Int>("a") shouldBe 1
            cache.close()
        }
    }

    test("cancelling the caller while its block waits rolls the transaction back and releases its locks") {
        runTest(timeout = 30.seconds) {
            val cache = txCache()
            val entered = CompletableDeferred<Unit>()
            val job =
                launch {
                    cache.transaction(TransactionMode.LOCKED) {
                        cache.set("a", 1)
                        entered.complete(Unit)
                        awaitCancellation()
                    }
                }
            entered.await()
            job.cancelAndJoin()
            cache.get<Int>("a") shouldBe null
            cache.exists("_tx_lock:a") shouldBe false
        }
    }

    test("a backend first used between two transactions buffers the second one's writes") {
        runTest(timeout = 30.seconds) {
            val cache = Cache(timeSource = testTimeSource)
            cache.setup("mem://")
            cache.setup("mem://", prefix = "b:")
            cache.transaction(TransactionMode.FAST) { cache.set("a", 1) }
            cache.get<Int>("b:first") shouldBe null // the b: backend starts here, after the block has ended
            val outside = this
            cache.transaction(TransactionMode.FAST) {
                cache.set("b:x", 2)
                cache.routing.route("b:x").local shouldBe null
                outside.async { cache.get<Int>("b:x") }.await() shouldBe null
            }
            cache.get<Int>("b:x") shouldBe 2
        }
    }

    test("explicit rollback discards what was written so far; the transaction goes on") {
        runTest {
            val cache = txCache()
            cache.transaction { tx ->
                cache.set("a", 1)
                tx.rollback()
                cache.get<Int>("a") shouldBe null
                cache.set("b", 2)
            }
            cache.get<Int>("a") shouldBe null
            cache.get<Int>("b") shouldBe 2
        }
    }

    test("explicit commit applies at once and releases the locks; later writes are applied at the end") {
        runTest {
            val cache = txCache()
            val outside = this
            cache.transaction { tx ->
                cache.set("a", 1)
                outside.async { cache.get<Int>("a") }.await() shouldBe null
                tx.commit()
                outside.async { cache.get<Int>("a") }.await() shouldBe 1
                cache.exists("_tx_lock:a") shouldBe false
                cache.set("b", 2)
            }
            cache.get<Int>("b") shouldBe 2
        }
    }

    test("a nested transaction joins the outer one: the outer rollback discards both") {
        runTest {
            val cache = txCache()
            shouldThrow<IllegalStateException> {
                cache.transaction(TransactionMode.FAST) {
                    cache.transaction(TransactionMode.LOCKED) { inner ->
                        inner.mode shouldBe TransactionMode.FAST
                        cache.set("inner", 1)
                    }
                    cache.get<Int>("inner") shouldBe 1
                    error("outer fails")
                }
            }
            cache.get<Int>("inner") shouldBe null
        }
    }

    test("concurrent child coroutines share the transaction") {
        runTest {
            val cache = txCache()
            cache.transaction {
                (1..10)
                    .map { i ->
                        async {
                            cache.incr("shared")
                            cache.set("child:$i", i)
                        }
                    }.awaitAll()
                cache.get<Long>("shared") shouldBe 10
                cache.exists("child:1") shouldBe true
            }
            cache.get<Long>("shared") shouldBe 10
            cache.scan("child:*").toList().size shouldBe 10
        }
    }

    test("TTLs keep millisecond precision through the commit") {
        runTest {
            val cache = txCache()
            cache.transaction {
                cache.set("short", "v", ttl = 1500.milliseconds)
                cache.set("sub-second", "v", ttl = 400.milliseconds)
                cache.set("gone", "v", ttl = 100.milliseconds)
                delay(250.milliseconds)
                cache.ttl("short") shouldBe KeyTtl.Expiring(1250.milliseconds)
            }
            cache.ttl("short") shouldBe KeyTtl.Expiring(1250.milliseconds)
            cache.ttl("sub-second") shouldBe KeyTtl.Expiring(150.milliseconds) // not "no expiry"
            cache.exists("gone") shouldBe false
            delay(150.milliseconds)
            cache.exists("sub-second") shouldBe false
        }
    }

    test("expire, deleteMatch and conditional sets are transactional") {
        runTest {
            val cache = txCache()
            cache.set("user:1", "a")
            cache.set("user:2", "b")
            cache.set("ttl", "v")
            cache.transaction {
                cache.expire("ttl", 1.seconds) shouldBe true
                cache.deleteMatch("user:*") shouldBe 2
                cache.set("user:3", "c", condition = SetCondition.IF_ABSENT) shouldBe true
                cache.set("user:1", "again", condition = SetCondition.IF_EXISTS) shouldBe false
                cache.scan("user:*").toList() shouldBe listOf("user:3")
                cache.ttl("ttl") shouldBe KeyTtl.Expiring(1.seconds)
                cache.get<String>("user:1") shouldBe null
            }
            cache.scan("user:*").toList() shouldBe listOf("user:3")
            cache.ttl("ttl") shouldBe KeyTtl.Expiring(1.seconds)
        }
    }

    test(
        "a lock held past the timeout fails the waiting transaction with TransactionLockTimeoutError, rolling it back",
    ) {
        runTest {
            val cache = txCache()
            val holding = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            coroutineScope {
                launch {
                    cache.transaction {
                        cache.set("k", "first")
                        holding.complete(Unit)
                        release.await()
                    }
                }
                holding.await()
                val error =
                    shouldThrow<TransactionLockTimeoutError> {
                        cache.transaction(timeout = 100.milliseconds) {
                            cache.set("other", "written")
                            cache.set("k", "second")
                        }
                    }
                error.key shouldBe "k"
                error.timeout shouldBe 100.milliseconds
                error.shouldBeInstanceOf<LockedError>()
                error.message shouldContain "'k'"
                cache.exists("_tx_lock:other") shouldBe false // released by the rollback
                cache.exists("other") shouldBe false
                release.complete(Unit)
            }
            cache.get<String>("k") shouldBe "first"
        }
    }

    test("cached calls inside a transaction store into it") {
        runTest {
            val cache = txCache()
            shouldThrow<IllegalStateException> {
                cache.transaction {
                    cache.cached(1.minutes, key = "c") { "loaded" } shouldBe "loaded"
                    cache.get<String>("c") shouldBe "loaded"
                    error("rolled back")
                }
            }
            cache.get<String>("c") shouldBe null
            cache.route("c").local shouldBe cache.route("c").backend
        }
    }

    test("incr inside a transaction keeps a counter's TTL and refuses non-integers like the backend") {
        runTest {
            val cache = txCache("mem://?secret=s3cr3t")
            cache.incr("n", 1, ttl = 1.seconds)
            cache.set("text", "abc")
            cache.transaction {
                cache.incr("n", 2) shouldBe 3
                shouldThrow<NotAnIntegerError> { cache.incr("text") }
            }
            cache.get<Long>("n") shouldBe 3
            cache.ttl("n") shouldBe KeyTtl.Expiring(1.seconds)
            cache.getRaw("n").let { String(it as ByteArray) } shouldBe "3"
        }
    }

    context("a commit cancelled while its backend answers is still applied whole") {
        withTests(TransactionMode.entries) { mode ->
            runTest(timeout = 30.seconds) {
                val writing = CompletableDeferred<Unit>()
                val answer = CompletableDeferred<Unit>()
                var gated = false
                val memory = MemoryBackend(timeSource = testTimeSource)
                val slowWrites =
                    object : Backend by memory, LockBackend by memory {
                        override suspend fun set(
                            key: String,
                            value: Any,
                            ttl: Duration?,
                            condition: SetCondition,
                        ): Boolean {
                            if (gated) {
                                writing.complete(Unit)
                                answer.await() // cancellable: the caller's cancellation interrupts the first attempt
                            }
                            return memory.set(key, value, ttl, condition)
                        }
                    }
                val cache = Cache(timeSource = testTimeSource).apply { setup(slowWrites) }
                cache.set("c", 3) // the transaction deletes it
                gated = true
                val job =
                    launch {
                        cache.transaction(mode) {
                            cache.set("a", 1)
                            cache.set("b", 2)
                            cache.delete("c")
                        }
                    }
                writing.await()
                job.cancel()
                answer.complete(Unit)
                job.join()
                cache.get<Int>("a") shouldBe 1
                cache.get<Int>("b") shouldBe 2
                cache.get<Int>("c") shouldBe null
                // The locking modes released their locks: another transaction writes at once.
                cache.transaction(mode, timeout = 1.seconds) { cache.set("a", 4) }
                cache.get<Int>("a") shouldBe 4
            }
        }
    }
})

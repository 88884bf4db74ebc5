package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/** A resource that records its close; [awaitClosed] waits a bounded time for Caffeine's asynchronous listener. */
private class Resource : AutoCloseable {
    private val closed = CountDownLatch(1)

    @Volatile
    var closes = 0

    override fun close() {
        closes++
        closed.countDown()
    }

    fun awaitClosed(): Boolean = closed.await(10, TimeUnit.SECONDS)
}

class CloseValuesSpec : FunSpec({
    test("a value stored with tags is closed like any other") {
        runTest {
            val cache = Cache("mem://?close_values=true")
            val tagged = Resource()
            cache.set("conn", tagged, tags = listOf("t"))
            cache.delete("conn")
            tagged.awaitClosed() shouldBe true
        }
    }

    test("values are closed on delete, replacement, expiry, eviction, clear and close") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(size = 2, checkInterval = null, timeSource = time, closeValues = true)
            val cache = Cache(time).apply { setup(backend) }

            val deleted = Resource().also { cache.setRaw("a", it) }
            cache.delete("a")
            deleted.awaitClosed() shouldBe true

            val replaced = Resource().also { cache.setRaw("b", it) }
            cache.setRaw("b", Resource())
            replaced.awaitClosed() shouldBe true

            val expired = Resource().also { cache.setRaw("c", it, ttl = 1.seconds) }
            time += 1.seconds
            backend.sweep()
            expired.awaitClosed() shouldBe true

            val candidates = List(10) { i -> Resource().also { cache.setRaw("e$i", it) } }
            cache.keysCount() // runs Caffeine's pending size evictions now, so the survivors below are final
            val survivors = cache.scan("e*").toList().toSet()
            candidates.forEachIndexed { i, resource ->
                if ("e$i" in survivors) resource.closes shouldBe 0 else resource.awaitClosed() shouldBe true
            }

            val cleared = Resource().also { cache.setRaw("d", it) }
            cache.clear()
            cleared.awaitClosed() shouldBe true

            val closedWithCache = Resource().also { cache.setRaw("f", it) }
            cache.close()
            closedWithCache.awaitClosed() shouldBe true
        }
    }

    test("setting the same object again, or a new ttl on it, does not close it") {
        runTest {
            val backend = MemoryBackend(checkInterval = null, closeValues = true)
            val cache = Cache().apply { setup(backend) }
            val kept = Resource()
            cache.setRaw("k", kept)
            cache.setRaw("k", kept, ttl = 10.seconds)
            cache.expire("k", 20.seconds)
            val other = Resource()
            cache.setRaw("other", other)
            cache.delete("other")
            other.awaitClosed() shouldBe true
            kept.closes shouldBe 0
        }
    }

    test("close_values is off by default and reachable from the setup URL") {
        (Cache().setup("mem://") as MemoryBackend).closeValues shouldBe false
        (Cache().setup("mem://?close_values=yes") as MemoryBackend).closeValues shouldBe true
    }

    test("closeParts closes the resources inside a value, a suspending close included (aquiche's exit stack)") {
        runTest {
            val gate = CompletableDeferred<Unit>()
            val http = Resource()
            val db = SuspendResource(gate)
            val backend =
                MemoryBackend(checkInterval = null, closeValues = true, scope = backgroundScope, closeParts = { value ->
                    val clients = value as Clients
                    listOf(clients.http, clients.db, "not closeable")
                })
            val cache = Cache().apply { setup(backend) }
            cache.setRaw("clients", Clients(http, db))
            cache.delete("clients")
            http.closes shouldBe 1
            runCurrent()
            db.started shouldBe true
            db.closed shouldBe false
            gate.complete(Unit)
            backend.awaitCloses()
            db.closed shouldBe true
        }
    }

    test("closing the cache waits for the suspending closes still running") {
        runTest {
            val gate = CompletableDeferred<Unit>()
            val db = SuspendResource(gate)
            val backend = MemoryBackend(checkInterval = null, closeValues = true, scope = backgroundScope)
            val cache = Cache().apply { setup(backend) }
            cache.setRaw("db", db)
            val closing = async { cache.close() }
            runCurrent()
            db.started shouldBe true
            closing.isCompleted shouldBe false
            gate.complete(Unit)
            closing.await()
            db.closed shouldBe true
        }
    }

    test("aquiche's exit-stack examples, ported: a cached client closed by clear, two clients by their pointers") {
        runTest {
            val backend =
                MemoryBackend(checkInterval = null, closeValues = true, scope = backgroundScope, closeParts = { value ->
                    when (value) {
                        // wrap_async_exit_stack=["$.clients.database:ignore_missing", "$.clients.http"]
                        is Map<*, *> -> (value["clients"] as Map<*, *>).let { listOf(it["database"], it["http"]) }

                        else -> listOf(value)
                    }
                })
            val cache = Cache().apply { setup(backend) }

            // @alru_cache(wrap_async_exit_stack=True) async def get_client(): return httpx.AsyncClient(…)
            val opened = CompletableDeferred<Unit>().apply { complete(Unit) }
            val getClient = cache.function<SuspendResource>(ttl = "1h", key = "client") { SuspendResource(opened) }
            val client = getClient()
            getClient() shouldBe client
            // await get_client.clear_cache()
            getClient.clear() shouldBe 1L
            backend.awaitCloses()
            client.closed shouldBe true

            // def get_clients(): {"token": …, "clients": {"http": …, "database": …}}, the database pointer may miss
            val slow = CompletableDeferred<Unit>()
            val http = SuspendResource(slow)
            val getClients =
                cache.function<Map<String, Any>>(ttl = "1h", key = "clients") {
                    mapOf("token" to "p@ss123", "clients" to mapOf("http" to http))
                }
            getClients()
            // async def shutdown_timeout(): await clear_all(); await await_exit_stack_close_operations("1minute")
            cache.clear()
            backend.awaitCloses(1.minutes) shouldBe false
            http.started shouldBe true
            slow.complete(Unit)
            backend.awaitCloses(1.minutes) shouldBe true
            http.closed shouldBe true
        }
    }
})

/** Clients held in one cached value, closed part by part. */
private class Clients(
    val http: Resource,
    val db: SuspendResource,
)

/** A resource closed by suspending until [gate] opens. */
private class SuspendResource(
    private val gate: CompletableDeferred<Unit>,
) : SuspendCloseable {
    @Volatile
    var started = false

    @Volatile
    var closed = false

    override suspend fun close() {
        started = true
        gate.await()
        closed = true
    }
}

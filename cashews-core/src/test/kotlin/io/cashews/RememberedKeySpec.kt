package io.cashews

import io.cashews.internal.value.Miss
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

@OptIn(InternalCacheApi::class)
class RememberedKeySpec : FunSpec({
    test("a read through a remembered key sees what every command left, as soon as the command returns") {
        runTest {
            val backend = MemoryBackend(checkInterval = null)
            val user = RememberedKey("user")
            backend.set("user", "v1", 1.hours, SetCondition.ALWAYS)
            backend.getNow(user) shouldBe "v1"
            backend.getNow(user) shouldBe "v1" // the remembered entry
            backend.set("user", "v2", 1.hours, SetCondition.ALWAYS)
            backend.getNow(user) shouldBe "v2"
            backend.set("user", "ignored", 1.hours, SetCondition.IF_ABSENT) shouldBe false
            backend.getNow(user) shouldBe "v2"
            backend.set("user", "v3", 1.hours, SetCondition.IF_EXISTS) shouldBe true
            backend.getNow(user) shouldBe "v3"
            backend.expire("user", 2.hours) shouldBe true
            backend.getNow(user) shouldBe "v3"
            backend.delete("user") shouldBe true
            backend.getNow(user) shouldBe null
            backend.setMany(mapOf("user" to "v4"), 1.hours)
            backend.getNow(user) shouldBe "v4"
            backend.set("user", "v5", null, SetCondition.ALWAYS)
            backend.getNow(user) shouldBe "v5" // stored bare, so looked up each time
            backend.set("user", "v6", 1.hours, SetCondition.ALWAYS)
            backend.getNow(user) shouldBe "v6"
            backend.clear()
            backend.getNow(user) shouldBe null

            val hits = RememberedKey("hits")
            backend.incr("hits", 1, 1.hours) shouldBe 1
            backend.getNow(hits) shouldBe 1L
            backend.incr("hits", 2, 1.hours) shouldBe 3
            backend.getNow(hits) shouldBe 3L
            backend.set("hits", "ten", 1.hours, SetCondition.ALWAYS)
            backend.getNow(hits) shouldBe "ten"

            val lock = RememberedKey("lock")
            backend.setLock("lock", "token", 1.minutes) shouldBe true
            backend.getNow(lock) shouldBe "token"
            backend.unlock("lock", "token") shouldBe true
            backend.getNow(lock) shouldBe null
        }
    }

    test("an entry that leaves the map is let go of by the key remembering it, so a size bound bounds memory") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(size = 10, timeSource = time, checkInterval = null)

            // Each hit is also answered as the Java face answers it, with the future it keeps beside the entry.
            suspend fun remembering(key: String): RememberedKey =
                RememberedKey(key).also {
                    backend.set(key, "value of $key", 1.seconds, SetCondition.ALWAYS)
                    val found = backend.getNow(it)
                    found shouldBe "value of $key"
                    (it.entry != null) shouldBe true
                    it.answeredWith(found) shouldBeSameInstanceAs it.answeredWith(found)
                    it.answered?.value shouldBeSameInstanceAs found
                }

            fun RememberedKey.letGo() {
                entry shouldBe null
                answered shouldBe null
            }

            val deleted = remembering("deleted")
            backend.delete("deleted")
            deleted.letGo()

            val replaced = remembering("replaced")
            backend.set("replaced", "new", 1.seconds, SetCondition.ALWAYS)
            replaced.letGo()

            val cleared = remembering("cleared")
            backend.clear()
            cleared.letGo()

            val swept = remembering("swept")
            time += 1.seconds
            backend.sweep()
            swept.letGo()

            val many = (0 until 100).map { remembering("many:$it") }
            backend.storedCount() // applies the size bound
            many.count { it.entry != null } shouldBe many.count { backend.getNow(it.key) != null }
            many.count { it.answered != null } shouldBe many.count { it.entry != null }
        }
    }

    test("a remembered entry past its TTL is a miss, and is removed") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(timeSource = time, checkInterval = null)
            val key = RememberedKey("k")
            backend.set("k", "v", 1.seconds, SetCondition.ALWAYS)
            backend.getNow(key) shouldBe "v"
            time += 1.seconds
            backend.getNow(key) shouldBe null
            backend.storedCount() shouldBe 0
        }
    }

    test("an entry evicted by size is not read through the key that remembered it") {
        runTest {
            val backend = MemoryBackend(size = 10, checkInterval = null)
            val remembered = (0 until 20).map { RememberedKey("first:$it") }
            for (key in remembered) {
                backend.set(key.key, key.key, 1.hours, SetCondition.ALWAYS)
                backend.getNow(key) shouldBe key.key
            }
            // Newer keys, each read often enough that the eviction policy prefers them.
            repeat(200) { i ->
                backend.set("next:$i", i, 1.hours, SetCondition.ALWAYS)
                repeat(4) { backend.getNow("next:$i") }
            }
            backend.storedCount()
            val gone =
                remembered.count { key ->
                    backend.getNow(key).also { it shouldBe backend.getNow(key.key) } ==
                        null
                }
            // At most 10 entries fit, so at least 10 of the 20 remembered ones were evicted.
            gone shouldBeGreaterThanOrEqual 10
        }
    }

    test("with an idle TTL, reads through a remembered key reach Caffeine and keep the entry alive") {
        runTest {
            val time = TestTimeSource()
            val backend = MemoryBackend(timeSource = time, checkInterval = null, idleTtl = 1.minutes)
            val key = RememberedKey("k")
            backend.set("k", "v", 1.hours, SetCondition.ALWAYS)
            repeat(3) {
                time += 50.seconds
                backend.getNow(key) shouldBe "v"
            }
            time += 61.seconds
            backend.getNow(key) shouldBe null
        }
    }

    test("a remembered key follows its prefix to a backend set up after it was read") {
        runTest {
            val cache = Cache("mem://?check_interval=0")
            val key = RememberedKey("user:1")
            cache.set("user:1", "on the first backend", 1.hours)
            cache.values.lookupNow(key, null) shouldBe "on the first backend"
            cache.setup("mem://?check_interval=0", prefix = "user:")
            cache.values.lookupNow(key, null) shouldBe cache.values.lookupNow("user:1", null)
            cache.set("user:1", "on the second backend", 1.hours)
            cache.values.lookupNow(key, null) shouldBe "on the second backend"
            cache.close()
        }
    }

    test("handle and positional template hits, read through remembered keys, see every change to their entries") {
        runTest {
            val cache = Cache("mem://?check_interval=0")
            var loads = 0
            val user = cache.function<Long, String>(ttl = "1h", key = "user:{id}") { id -> "user $id, load ${++loads}" }
            user(1) shouldBe "user 1, load 1"
            user(1) shouldBe "user 1, load 1"
            cache.set("user:1", "written")
            user(1) shouldBe "written"
            user.invalidate(1)
            user(1) shouldBe "user 1, load 2"
            cache.clear()
            user(1) shouldBe "user 1, load 3"
            cache.setup("mem://?check_interval=0", prefix = "user:")
            user(1) shouldBe "user 1, load 4"

            val order = KeyTemplate.of("order:{id}")

            suspend fun order(id: Long) = cache.cached(1.hours, order, id) { "order $id, load ${++loads}" }
            order(7) shouldBe "order 7, load 5"
            order(7) shouldBe "order 7, load 5"
            cache.delete("order:7")
            order(7) shouldBe "order 7, load 6"
            cache.expire("order:7", 1.minutes)
            order(7) shouldBe "order 7, load 6"
            cache.set("order:7", "written", 1.hours)
            order(7) shouldBe "written"
            cache.close()
        }
    }

    test("with observers in the way, a read through a remembered key is observed by its text and sees every write") {
        runTest {
            val cache = Cache("mem://?check_interval=0")
            val seen = mutableListOf<String>()
            cache.addInterceptor(
                object : CommandObserver {
                    override fun onStart(kind: Command, key: String?, layer: String): Long {
                        seen += "$kind $key"
                        return 0
                    }

                    override fun onEnd(
                        kind: Command,
                        key: String?,
                        layer: String,
                        started: Long,
                        failure: Throwable?,
                    ) = Unit
                },
            )
            val key = RememberedKey("user:1")
            cache.set("user:1", "ann", 1.hours)
            repeat(2) { cache.lookupNow(key) { ValueType.of<String>() } shouldBe "ann" }
            cache.set("user:1", "bob", 1.hours)
            cache.lookupNow(key) { ValueType.of<String>() } shouldBe "bob"
            cache.delete("user:1")
            cache.lookupNow(key) { ValueType.of<String>() } shouldBe Miss
            seen.filter { it.startsWith("GET") } shouldBe List(4) { "GET user:1" }
            cache.close()
        }
    }

    test(
        "under writes, deletes and size evictions on another thread, no remembered read is older than a returned write",
    ) {
        val backend = MemoryBackend(size = 64, checkInterval = null)
        val keys = 256
        val rounds = 50_000
        // The step of the last write or delete of each key that has returned; values written are their step.
        val done =
            java.util.concurrent.atomic
                .AtomicLongArray(keys)
        val finished =
            java.util.concurrent.atomic
                .AtomicBoolean(false)
        runBlocking(Dispatchers.Default) {
            val reader =
                async {
                    val remembered = Array(keys) { RememberedKey("k$it") }
                    var older = 0
                    var reads = 0
                    var i = 0
                    while (!finished.get() || reads < rounds) {
                        val k = i++ % keys
                        val before = done.get(k)
                        val read = backend.getNow(remembered[k]) as Long?
                        if (read != null && read < before) older++
                        reads++
                    }
                    older
                }
            val writer =
                async {
                    for (step in 1L..rounds) {
                        val k = (step % keys).toInt()
                        if (step % 7 == 0L) backend.delete("k$k") else backend.setNow("k$k", step, 1.hours)
                        done.set(k, step)
                    }
                    finished.set(true)
                }
            writer.await()
            reader.await() shouldBe 0
        }
    }

    test("a write that has returned is seen by every later read through a remembered key, across threads") {
        val backend = MemoryBackend(checkInterval = null)
        val written = AtomicLong(0)
        val rounds = 20_000L
        runBlocking(Dispatchers.Default) {
            backend.setNow("k", 0L, 1.hours)
            val reader =
                async {
                    val key = RememberedKey("k")
                    var behind = 0
                    while (written.get() < rounds) {
                        val before = written.get()
                        val read = backend.getNow(key) as Long
                        if (read < before) behind++
                    }
                    behind
                }
            val writer =
                async {
                    for (i in 1..rounds) {
                        backend.setNow("k", i, 1.hours)
                        written.set(i)
                    }
                }
            writer.await()
            reader.await() shouldBe 0
        }
    }
})

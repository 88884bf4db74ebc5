package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlin.time.Duration.Companion.seconds

class SetupSpec : FunSpec({
    test("mem URL parameters configure the memory backend") {
        val backend = Cache().setup("mem://?size=10&check_interval=5s").shouldBeInstanceOf<MemoryBackend>()
        backend.size shouldBe 10
        backend.checkInterval shouldBe 5.seconds
        Cache().setup("mem://?check_interval=0").shouldBeInstanceOf<MemoryBackend>().checkInterval shouldBe null
        Cache().setup("mem://").shouldBeInstanceOf<MemoryBackend>().size shouldBe MemoryBackend.DEFAULT_SIZE
    }

    test("explicit parameters override the query string") {
        val backend = Cache().setup("mem://?size=10", params = mapOf("SIZE" to 3)).shouldBeInstanceOf<MemoryBackend>()
        backend.size shouldBe 3
    }

    test("the memory backend is bounded by its size") {
        runTest {
            val cache = Cache("mem://?size=10")
            repeat(200) { cache.set("k$it", it) }
            cache.keysCount() shouldBeLessThanOrEqual 10
        }
    }

    test("booleans accept 1/true/yes/on and 0/false/no/off and nothing else") {
        for (off in listOf("0", "false", "No", "OFF")) {
            runTest { Cache("mem://?enable=$off").set("k", "v") shouldBe false }
        }
        for (on in listOf("1", "TRUE", "yes", "on")) {
            runTest { Cache("mem://?disable=$on").set("k", "v") shouldBe false }
            runTest { Cache("mem://?enable=$on").set("k", "v") shouldBe true }
        }
        val error = shouldThrow<SetupError> { Cache("mem://?enable=t") }
        error.message shouldContain "'enable'"
        error.message shouldContain "'t'"
    }

    test("bad URLs and parameters fail with the bad value named") {
        shouldThrow<SetupError> { Cache("mem://?size=ten") }.message shouldContain "'size' has value 'ten'"
        shouldThrow<SetupError> { Cache("mem://?size=0") }.message shouldContain "'size'"
        shouldThrow<SetupError> { Cache("mem://?colour=red") }.message shouldContain "'colour'"
        shouldThrow<SetupError> { Cache("mem://?codec=yaml") }.message shouldContain
            "'codec' has value 'yaml', expected one of json, cbor, protobuf, java"
        shouldThrow<SetupError> { Cache("mem://?codec=jackson") }.message shouldContain
            "'codec' is 'jackson', which needs io.cashews:cashews-jackson on the classpath"
        shouldThrow<SetupError> { Cache("mem://?size") }.message shouldContain "'size'"
        shouldThrow<SetupError> { Cache("mem://?size=1&size=2") }.message shouldContain "more than once"
        shouldThrow<SetupError> { Cache("mem://?check_interval=1h30") }.message shouldContain "'1h30'"
        shouldThrow<SetupError> { Cache("memory") }.message shouldContain "'memory'"
        shouldThrow<SetupError> { Cache("mongo://localhost") }.message shouldContain "'mongo'"
        shouldThrow<SetupError> { Cache("mem://?digestmod=crc") }.message shouldContain "'crc'"
        shouldThrow<SetupError> { Cache("mem://?codec=yaml") }.message shouldContain "'yaml'"
        shouldThrow<SetupError> { Cache("mem://?compress_type=lz4") }.message shouldContain "'lz4'"
        shouldThrow<SetupError> { Cache("mem://?on_tampered=ignore") }.message shouldContain "'ignore'"
    }

    test("a scheme whose module is missing names the artifact to add") {
        shouldThrow<BackendNotAvailableError> { Cache("redis://localhost:6379/0") }.message shouldContain
            "io.cashews:cashews-redis"
        shouldThrow<BackendNotAvailableError> { Cache("disk://?directory=/tmp/x") }.message shouldContain
            "io.cashews:cashews-disk"
    }

    test("backends from other modules are found through ServiceLoader") {
        val backend = Cache().setup("probe://anything?size=2")
        backend.shouldBeInstanceOf<MemoryBackend>().size shouldBe 2
    }

    test("an empty URL and '://' give a disabled cache") {
        runTest {
            for (url in listOf("", "://")) {
                val cache = Cache(url)
                cache.set("k", "v") shouldBe false
                cache.get<String>("k") shouldBe null
                cache.ping() shouldBe false
            }
        }
    }

    test("keys go to the backend with the longest matching prefix") {
        runTest {
            val cache = Cache()
            val fallback = cache.setup("mem://")
            val users = cache.setup("mem://", prefix = "user:")
            val admins = cache.setup("mem://", prefix = "user:admin:")
            cache.set("user:admin:1", "a")
            cache.set("user:2", "u")
            cache.set("other", "o")
            admins.get("user:admin:1") shouldBe "a"
            users.get("user:2") shouldBe "u"
            fallback.get("other") shouldBe "o"
            users.get("user:admin:1") shouldBe null
            cache.getMany<String>(listOf("other", "user:2", "user:admin:1")) shouldBe listOf("o", "u", "a")
            cache.keysCount() shouldBe 3
        }
    }

    test("a command without a backend fails with the key named") {
        runTest {
            shouldThrow<NotConfiguredError> { Cache().get<String>("k1") }.message shouldContain "'k1'"
            val cache = Cache()
            cache.setup("mem://", prefix = "user:")
            shouldThrow<NotConfiguredError> { cache.get<String>("order:1") }.message shouldContain "'order:1'"
        }
    }

    test("setup again under a prefix replaces that backend") {
        runTest {
            val cache = Cache()
            cache.setup("mem://")
            cache.set("k", "old")
            val second = cache.setup("mem://")
            cache.get<String>("k") shouldBe null
            cache.set("k", "new")
            second.get("k") shouldBe "new"
        }
    }

    test("a backend is initialised exactly once under concurrent first use") {
        val backend = CountingInitBackend()
        val cache = Cache()
        cache.setup(backend)
        runBlocking {
            withContext(Dispatchers.Default) {
                val pings = (1..64).map { async { cache.ping() } }
                val reads = (1..64).map { async { cache.get<String>("k") } }
                (pings + reads).awaitAll()
            }
        }
        backend.inits shouldBe 1
    }

    test("close closes every backend and leaves the cache without one") {
        runTest {
            val cache = Cache()
            val backend = CountingInitBackend()
            cache.setup(backend, prefix = "a")
            cache.setup("mem://")
            cache.set("k", "v")
            cache.close()
            backend.closed.isCompleted shouldBe true
            cache.isSetUp shouldBe false
            shouldThrow<NotConfiguredError> { cache.get<String>("k") }
        }
    }

    test("the default cache is one shared instance, set up like any other") {
        runTest {
            Cache.Default shouldBeSameInstanceAs Cache.Default
            Cache.Default.setup("mem://", prefix = "default-spec:")
            Cache.Default.set("default-spec:k", "v")
            Cache.Default.get<String>("default-spec:k") shouldBe "v"
            Cache.Default.close()
            Cache.Default.isSetUp shouldBe false
        }
    }
})

/** A memory backend that counts its initialisations and records its close. */
private class CountingInitBackend : Backend by MemoryBackend() {
    @Volatile
    var inits = 0
    val closed = CompletableDeferred<Unit>()

    override suspend fun init() {
        synchronized(this) { inits++ }
    }

    override suspend fun close() {
        closed.complete(Unit)
    }
}

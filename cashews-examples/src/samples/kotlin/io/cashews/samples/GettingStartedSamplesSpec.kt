package io.cashews.samples

import io.cashews.Cache
import io.cashews.Command
import io.cashews.SetCondition
import io.cashews.cached
import io.cashews.disabling
import io.cashews.function
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.atomic.AtomicInteger
import kotlin.io.path.createTempDirectory
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes

/** The README's samples from the top of the page to the basic API and disabling, each run on a real cache. */
class GettingStartedSamplesSpec : FunSpec({
    test("intro") {
        // sample: intro
        val cache = Cache("mem://?size=10000")

        cache.set("user:1", User(1, "Ann"), ttl = "3h")
        val user: User? = cache.get("user:1")
        // end sample
        user shouldBe User(1, "Ann")
        cache.close()
    }

    test("configuration") {
        // sample: configuration
        val cache = Cache()
        cache.setup("mem://?size=10000&check_interval=1s")            // default backend, prefix ""
        cache.setup("mem://?size=100", prefix = "session:")           // keys starting "session:" go here
        cache.setup("mem://", params = mapOf("size" to 500))          // explicit params override the query string
        // end sample
        cache.set("session:42", "token")
        cache.set("user:1", "Ann")
        cache.toString() shouldContain "'session:'"
        cache.get<String>("session:42") shouldBe "token"
        cache.get<String>("user:1") shouldBe "Ann"
        cache.close()
    }

    test("redis") {
        // Set up only: a backend connects on its first command, and these addresses are examples.
        // sample: redis
        val cache = Cache("redis://:s3cr3t@127.0.0.1:6379/0?socket_timeout=500ms&secret=sign-me")
        val clustered = Cache("redis-cluster://10.0.0.5:7000")        // any node; or redis://…?cluster=true
        // end sample
        cache.toString() shouldContain "RedisBackend"
        clustered.toString() shouldContain "RedisBackend"
        cache.close()
        clustered.close()
    }

    test("disk") {
        // Set up only: the directory is made by the first command.
        // sample: disk
        val cache = Cache("disk://?directory=/var/cache/myapp&shards=8&size_limit=2gb")
        // end sample
        cache.toString() shouldContain "DiskBackend"
        cache.close()
    }

    test("local-handle") {
        val directory = createTempDirectory("cashews-local")
        val cache = Cache("disk://?directory=$directory")
        val elsewhere = Cache("disk://?directory=$directory") // another process on the same directory
        val repo = Repo()
        // sample: local-handle
        val userById = cache.function(ttl = "3h", key = "user:{id}", local = "10000:30s") { id: Long -> repo.load(id) }
        // end sample
        userById(1) shouldBe User(1, "user 1")
        userById(1) shouldBe User(1, "user 1") // read from disk, and kept in this process
        elsewhere.set("user:1", User(1, "renamed"))
        userById(1) shouldBe User(1, "user 1") // disk has no bus: the copy serves for up to its 30 s
        userById.invalidate(1)
        userById(1) shouldBe User(1, "user 1")
        repo.loads.get() shouldBe 2
        cache.close()
        elsewhere.close()
        directory.toFile().deleteRecursively()
    }

    test("basic-api") {
        val repo = Repo()
        val nightlyRuns = AtomicInteger()

        fun runNightlyJob() = nightlyRuns.incrementAndGet()
        // sample: basic-api
        val cache = Cache("mem://?size=10000")

        cache.set("user:1", User(1, "Ann"), ttl = "3h")              // TTL as a string…
        cache.set("user:2", User(2, "Bob"), ttl = 10.minutes)        // …or a Duration
        val ann: User? = cache.get("user:1")
        val both = cache.getMany<User>(listOf("user:1", "user:2"))   // order kept, null for misses

        val added = cache.set("user:1", User(1, "X"), condition = SetCondition.IF_ABSENT)   // NX: false, already there
        val visits = cache.incr("visits", ttl = 1.minutes)           // the TTL applies when the counter is created
        val bob = cache.getOrSet("user:3", ttl = 5.minutes) { repo.load(3) }

        cache.lock("jobs:nightly", ttl = 1.minutes) { runNightlyJob() }   // released even on failure
        // end sample
        ann shouldBe User(1, "Ann")
        both shouldBe listOf(User(1, "Ann"), User(2, "Bob"))
        added shouldBe false
        visits shouldBe 1
        bob shouldBe User(3, "user 3")
        cache.getOrSet("user:3", ttl = 5.minutes) { repo.load(3) } shouldBe bob
        repo.loads.get() shouldBe 1
        nightlyRuns.get() shouldBe 1
        cache.close()
    }

    test("disable") {
        val cache = Cache("mem://")
        val repo = Repo()

        suspend fun report() = cache.cached(1.hours, "user:7") { repo.load(7) }
        cache.set("user:7", User(7, "cached"))
        // sample: disable
        cache.disable(Command.SET)                 // runtime, every coroutine; prefix = "users:" for one backend
        cache.enable()                             // everything back
        cache.disabling(Command.GET) { report() }  // this block and its coroutines only: loads, and stores the results
        cache.setup("mem://?disable=1")            // disabled from the start (also `enable=0`)
        // end sample
        repo.loads.get() shouldBe 1 // GET was disabled inside the block: the report loaded
        cache.set("k", "v") shouldBe false // disabled from the start: neutral answers
        cache.get<String>("k") shouldBe null
        cache.close()
    }
})

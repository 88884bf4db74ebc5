package io.cashews.test

import io.cashews.Backend
import io.cashews.Cache
import io.cashews.KeyTtl
import io.cashews.LockReleaseBackend
import io.cashews.NotAnIntegerError
import io.cashews.SetCondition
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.comparables.shouldBeGreaterThan
import io.kotest.matchers.comparables.shouldBeLessThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.serialization.Serializable
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource
import kotlin.time.TimeSource

/**
 * The behaviour every [Backend] must have, as one suite: extend it with a factory for your backend and every case
 * runs against it, through a [Cache] set up with that backend alone.
 *
 * ```
 * class MyBackendContractSpec : BackendContractSpec({ time -> MyBackend(timeSource = time) })
 * ```
 *
 * Time moves only when a case says so: the factory gets a [TestTimeSource] that the suite advances, so TTL
 * boundaries are checked to the millisecond without sleeping. A backend that keeps time elsewhere (a server)
 * overrides [advanceTime] to make that much time pass for it.
 *
 * @param setupParams cache-level setup parameters for the run (`secret`, `codec`, `compress_type`, …), so the same
 *   suite covers a backend in each value mode.
 * @param newBackend builds a fresh, empty backend on the given clock.
 */
public abstract class BackendContractSpec(
    private val setupParams: Map<String, Any?> = emptyMap(),
    private val newBackend: (TimeSource) -> Backend,
) : FunSpec() {
    /** A value class every backend must round-trip. */
    @Serializable
    public data class Profile(
        /** A text field. */
        val name: String,
        /** A list field. */
        val tags: List<String>,
        /** A nullable number. */
        val score: Long?,
    )

    /** Makes [by] pass for the backend built on [time]; by default advances the test clock. */
    protected open suspend fun advanceTime(time: TestTimeSource, by: Duration) {
        time += by
    }

    private fun contract(name: String, body: suspend Fixture.() -> Unit) {
        test(name) {
            runTest {
                val time = TestTimeSource()
                val cache = Cache(time)
                val backend = newBackend(time)
                cache.setup(backend, params = setupParams)
                try {
                    Fixture(cache, backend, time).body()
                } finally {
                    cache.clear()
                    cache.close()
                }
            }
        }
    }

    /** What each case works with: the cache over the backend under test and its clock. */
    private inner class Fixture(
        val cache: Cache,
        val backend: Backend,
        val time: TestTimeSource,
    ) {
        /** Makes [by] pass for the backend, through [advanceTime]. */
        suspend fun advance(by: Duration): Unit = advanceTime(time, by)

        /**
         * Makes a TTL of [ttl] run out: one millisecond more than [ttl]. The very millisecond at which an entry expires
         * is the backend's own (the memory backend drops it at its TTL, Redis keeps it through that millisecond).
         */
        suspend fun advancePast(ttl: Duration): Unit = advanceTime(time, ttl + 1.milliseconds)
    }

    init {
        contract("a missing key reads as null and does not exist") {
            cache.get<String>("nope") shouldBe null
            cache.exists("nope") shouldBe false
            cache.ttl("nope") shouldBe KeyTtl.Missing
        }

        contract("values of every shape round-trip") {
            val profile = Profile("ann", listOf("a", "b"), null)
            cache.set("s", "text") shouldBe true
            cache.set("empty", "")
            cache.set("neg", -5L)
            cache.set("min", Long.MIN_VALUE)
            cache.set("max", Long.MAX_VALUE)
            cache.set("int", 42)
            cache.set("list", emptyList<String>())
            cache.set("profile", profile)
            cache.get<String>("s") shouldBe "text"
            cache.get<String>("empty") shouldBe ""
            cache.get<Long>("neg") shouldBe -5L
            cache.get<Long>("min") shouldBe Long.MIN_VALUE
            cache.get<Long>("max") shouldBe Long.MAX_VALUE
            cache.get<Int>("int") shouldBe 42
            cache.get<List<String>>("list") shouldBe emptyList()
            cache.get<Profile>("profile") shouldBe profile
        }

        contract("a null value is stored and distinct from a missing key") {
            cache.set<String?>("null", null) shouldBe true
            cache.exists("null") shouldBe true
            cache.get<String>("null") shouldBe null
            cache.getOrSet<String?>("null") { "computed" } shouldBe null
            cache.getMatch<String?>("null").toList() shouldBe listOf("null" to null)
            cache.getOrSet("other") { "computed" } shouldBe "computed"
            cache.get<String>("other") shouldBe "computed"
        }

        contract("set without a ttl clears an earlier ttl") {
            cache.set("k", "v", ttl = 1.minutes)
            cache.ttl("k").shouldBeInstanceOf<KeyTtl.Expiring>()
            cache.set("k", "w")
            cache.ttl("k") shouldBe KeyTtl.Persistent
            advance(10.minutes)
            cache.get<String>("k") shouldBe "w"
        }

        contract("an entry lives until its ttl, to the millisecond") {
            cache.set("k", "v", ttl = 1.minutes)
            advance(1.minutes - 1.milliseconds)
            cache.get<String>("k") shouldBe "v"
            cache.exists("k") shouldBe true
            advance(2.milliseconds)
            cache.get<String>("k") shouldBe null
            cache.exists("k") shouldBe false
            cache.ttl("k") shouldBe KeyTtl.Missing
        }

        contract("ttl reports the time left") {
            cache.set("k", "v", ttl = 10.seconds)
            advance(4.seconds)
            val ttl = cache.ttl("k").shouldBeInstanceOf<KeyTtl.Expiring>()
            ttl.remaining shouldBe 6.seconds
        }

        contract("IF_ABSENT writes only over a missing or expired key") {
            cache.set("k", "a", condition = SetCondition.IF_ABSENT) shouldBe true
            cache.set("k", "b", condition = SetCondition.IF_ABSENT) shouldBe false
            cache.get<String>("k") shouldBe "a"
            cache.set("t", "old", ttl = 1.seconds)
            advancePast(1.seconds)
            cache.set("t", "new", condition = SetCondition.IF_ABSENT) shouldBe true
            cache.get<String>("t") shouldBe "new"
        }

        contract("IF_EXISTS writes only over a live key") {
            cache.set("k", "a", condition = SetCondition.IF_EXISTS) shouldBe false
            cache.exists("k") shouldBe false
            cache.set("k", "a")
            cache.set("k", "b", condition = SetCondition.IF_EXISTS) shouldBe true
            cache.get<String>("k") shouldBe "b"
            cache.set("t", "old", ttl = 1.seconds)
            advancePast(1.seconds)
            cache.set("t", "new", condition = SetCondition.IF_EXISTS) shouldBe false
            cache.exists("t") shouldBe false
        }

        contract("getMany keeps the order of the keys and answers null for misses") {
            cache.setMany(mapOf("a" to "1", "c" to "3"))
            cache.getMany<String>(listOf("c", "missing", "a")) shouldBe listOf("3", null, "1")
            cache.getMany<String>(emptyList()) shouldBe emptyList()
        }

        contract("setMany applies one ttl to every entry") {
            cache.setMany(mapOf("a" to 1L, "b" to 2L), ttl = 5.seconds)
            advancePast(5.seconds)
            cache.getMany<Long>(listOf("a", "b")) shouldBe listOf(null, null)
        }

        contract("delete answers whether the key existed") {
            cache.set("k", "v")
            cache.delete("k") shouldBe true
            cache.delete("k") shouldBe false
            cache.setMany(mapOf("a" to "1", "b" to "2"))
            cache.deleteMany(listOf("a", "b", "c")) shouldBe 2
        }

        contract("patterns are Redis globs") {
            for (key in listOf("user:1", "user:2", "user:10", "user:a", "user:*", "users", "u?er")) cache.set(key, key)
            cache.scan("user:*").toList() shouldContainExactlyInAnyOrder
                listOf("user:1", "user:2", "user:10", "user:a", "user:*")
            cache.scan("user:?").toList() shouldContainExactlyInAnyOrder listOf("user:1", "user:2", "user:a", "user:*")
            cache.scan("user:[12]").toList() shouldContainExactlyInAnyOrder listOf("user:1", "user:2")
            cache.scan("user:[^12]").toList() shouldContainExactlyInAnyOrder listOf("user:a", "user:*")
            cache.scan("user:[0-9]*").toList() shouldContainExactlyInAnyOrder listOf("user:1", "user:2", "user:10")
            cache.scan("user:\\*").toList() shouldBe listOf("user:*")
            cache.scan("u\\?er").toList() shouldBe listOf("u?er")
            cache.scan("user.1").toList() shouldBe emptyList()
            cache.deleteMatch("user:[0-9]*") shouldBe 3
            cache.scan("*").toList() shouldContainExactlyInAnyOrder listOf("user:a", "user:*", "users", "u?er")
        }

        contract("scan and getMatch skip expired keys") {
            cache.set("a:1", "one", ttl = 1.seconds)
            cache.set("a:2", "two")
            advancePast(1.seconds)
            cache.scan("a:*").toList() shouldBe listOf("a:2")
            cache.getMatch<String>("a:*").toList() shouldBe listOf("a:2" to "two")
        }

        contract("expire sets a ttl on an existing key only") {
            cache.expire("missing", 5.seconds) shouldBe false
            cache.set("k", "v")
            cache.expire("k", 5.seconds) shouldBe true
            cache.ttl("k") shouldBe KeyTtl.Expiring(5.seconds)
            advancePast(5.seconds)
            cache.exists("k") shouldBe false
        }

        contract("incr counts from zero and applies its ttl only on creation") {
            cache.incr("c", ttl = 10.seconds) shouldBe 1
            advance(4.seconds)
            cache.incr("c", by = 5, ttl = 1.minutes) shouldBe 6
            cache.ttl("c") shouldBe KeyTtl.Expiring(6.seconds)
            cache.incr("c", by = -10) shouldBe -4
            cache.get<Long>("c") shouldBe -4
            cache.get<Int>("c") shouldBe -4
            advancePast(6.seconds)
            cache.exists("c") shouldBe false
        }

        contract("incr of a non-integer fails and leaves the value unchanged") {
            cache.set("s", "text")
            shouldThrow<NotAnIntegerError> { cache.incr("s") }
            cache.get<String>("s") shouldBe "text"
            cache.set("big", Long.MAX_VALUE)
            shouldThrow<NotAnIntegerError> { cache.incr("big") }
            cache.get<Long>("big") shouldBe Long.MAX_VALUE
        }

        contract("concurrent incr loses no increment") {
            withContext(Dispatchers.Default) {
                (1..1000).map { async { cache.incr("hits") } }.awaitAll()
            }
            cache.get<Long>("hits") shouldBe 1000
        }

        contract("a lock is released only with its token") {
            cache.setLock("lock", "mine", 1.minutes) shouldBe true
            cache.setLock("lock", "theirs", 1.minutes) shouldBe false
            cache.unlock("lock", "theirs") shouldBe false
            cache.isLocked("lock") shouldBe true
            cache.unlock("lock", "mine") shouldBe true
            cache.isLocked("lock") shouldBe false
        }

        contract("an expired lock never blocks setLock") {
            cache.setLock("lock", "old", 1.seconds) shouldBe true
            advancePast(1.seconds)
            cache.setLock("lock", "new", 1.seconds) shouldBe true
            cache.unlock("lock", "old") shouldBe false
        }

        contract("a lock's lease is renewed only with its token") {
            cache.setLock("lock", "mine", 1.seconds) shouldBe true
            cache.renewLock("lock", "theirs", 1.minutes) shouldBe false
            cache.renewLock("lock", "mine", 1.minutes) shouldBe true
            advancePast(1.seconds)
            cache.setLock("lock", "theirs", 1.minutes) shouldBe false
            cache.unlock("lock", "mine") shouldBe true
            cache.renewLock("lock", "mine", 1.minutes) shouldBe false
            cache.isLocked("lock") shouldBe false
        }

        contract("a release wakes the watchers of that lock (backends that announce releases)") {
            val releases = backend as? LockReleaseBackend ?: return@contract
            cache.setLock("lock", "mine", 1.minutes)
            releases.watchRelease("lock").use { watch ->
                cache.unlock("lock", "mine") shouldBe true
                // Real time: a release may come back over the network.
                withContext(Dispatchers.Default) { watch.await(10.seconds) } shouldBe true
            }
        }

        contract("exactly one of many concurrent setLock calls wins") {
            val winners =
                withContext(Dispatchers.Default) {
                    (1..100).map { n -> async { cache.setLock("lock", "t$n", 1.minutes) } }.awaitAll()
                }
            winners.count { it } shouldBe 1
        }

        contract("lock runs the block and releases the lock") {
            cache.lock("job", 1.minutes) {
                cache.isLocked("job") shouldBe true
            }
            cache.isLocked("job") shouldBe false
            runCatching { cache.lock("job", 1.minutes) { error("boom") } }
            cache.isLocked("job") shouldBe false
        }

        contract("bit counters saturate and floor") {
            cache.getBits("bits", listOf(0, 5), size = 2) shouldBe listOf(0L, 0L)
            cache.incrBits("bits", listOf(0, 5), size = 2) shouldBe listOf(1L, 1L)
            cache.incrBits("bits", listOf(0), size = 2, by = 10) shouldBe listOf(3L)
            cache.incrBits("bits", listOf(5), size = 2, by = -5) shouldBe listOf(0L)
            cache.getBits("bits", listOf(0, 1, 5), size = 2) shouldBe listOf(3L, 0L, 0L)
            cache.incrBits("wide", listOf(3), size = 63, by = Long.MAX_VALUE) shouldBe listOf(Long.MAX_VALUE)
            cache.incrBits("wide", listOf(3), size = 63, by = 1) shouldBe listOf(Long.MAX_VALUE)
        }

        contract("sliceIncr counts a sliding window and stops at the max") {
            cache.sliceIncr("w", start = 0, end = 100, maxValue = 2) shouldBe 1
            cache.sliceIncr("w", start = 0, end = 100, maxValue = 2) shouldBe 2
            cache.sliceIncr("w", start = 50, end = 150, maxValue = 2) shouldBe 3 // full: refused, not recorded
            cache.sliceIncr("w", start = 101, end = 201, maxValue = 2) shouldBe 1
        }

        contract("sliceIncr counts entries recorded at a later time than its own end") {
            cache.sliceIncr("w", start = 0, end = 500, maxValue = 2) shouldBe 1
            cache.sliceIncr("w", start = 0, end = 400, maxValue = 2) shouldBe 2
            cache.sliceIncr("w", start = 0, end = 300, maxValue = 2) shouldBe 3
        }

        contract("concurrent setAdd loses no member") {
            withContext(Dispatchers.Default) {
                (1..500).map { n -> async { cache.setAdd("s", listOf("m$n")) } }.awaitAll()
            }
            cache.setMembers("s").size shouldBe 500
        }

        contract("concurrent incrBits loses no increment") {
            withContext(Dispatchers.Default) {
                (1..300).map { async { cache.incrBits("bits", listOf(0, 9), size = 16) } }.awaitAll()
            }
            cache.getBits("bits", listOf(0, 9), size = 16) shouldBe listOf(300L, 300L)
        }

        contract("concurrent sliceIncr admits exactly maxValue entries to a window") {
            val counts =
                withContext(Dispatchers.Default) {
                    (1..1000).map { async { cache.sliceIncr("w", start = 0, end = 10, maxValue = 100) } }.awaitAll()
                }
            // Each admitted call sees its own position 1..100 once; every later call is refused.
            counts.filter { it <= 100 }.sorted() shouldBe (1L..100L).toList()
            counts.count { it == 101L } shouldBe 900
        }

        contract("a token bucket admits its burst, then one call per interval, and tells how long to wait") {
            val admitted = (1..3).map { cache.takeTokens("tb", interval = 1.seconds, burst = 3) }
            admitted.map { it.admitted } shouldBe listOf(true, true, true)
            admitted.map { it.remaining } shouldBe listOf(2L, 1L, 0L)
            val refused = cache.takeTokens("tb", interval = 1.seconds, burst = 3)
            refused.admitted shouldBe false
            refused.remaining shouldBe 0L
            refused.retryAfter shouldBeGreaterThan Duration.ZERO
            refused.retryAfter shouldBeLessThanOrEqualTo 1.seconds
            advance(1.seconds)
            cache.takeTokens("tb", interval = 1.seconds, burst = 3).admitted shouldBe true
            cache.takeTokens("tb", interval = 1.seconds, burst = 3).admitted shouldBe false
            // Idle for the whole span, the bucket is full again and its key has expired.
            advancePast(3.seconds)
            cache.exists("tb") shouldBe false
            cache.takeTokens("tb", interval = 1.seconds, burst = 3, cost = 3).admitted shouldBe true
        }

        contract("concurrent token takers against a burst of 100 admit exactly 100") {
            val grants =
                withContext(Dispatchers.Default) {
                    (1..1000).map { async { cache.takeTokens("tb", interval = 1.minutes, burst = 100) } }.awaitAll()
                }
            grants.count { it.admitted } shouldBe 100
            grants.filter { it.admitted }.map { it.remaining }.sorted() shouldBe (0L..99L).toList()
            grants.filter { !it.admitted }.forEach { it.retryAfter shouldBeGreaterThan Duration.ZERO }
        }

        contract("sets add, remove and pop members") {
            cache.setAdd("s", listOf("a", "b", "c")) shouldBe 3
            cache.setAdd("s", listOf("c", "d")) shouldBe 1
            cache.setRemove("s", listOf("a", "x")) shouldBe 1
            cache.setMembers("s") shouldBe setOf("b", "c", "d")
            val popped = cache.setPop("s", 2)
            popped shouldHaveSize 2
            (cache.setMembers("s") + popped) shouldBe setOf("b", "c", "d")
            cache.setPop("missing", 5) shouldBe emptyList()
        }

        contract("keysCount, sizeOf, ping and clear") {
            cache.ping() shouldBe true
            cache.setMany(mapOf("a" to "x", "b" to "y"))
            cache.set("gone", "z", ttl = 1.seconds)
            advancePast(1.seconds)
            cache.keysCount() shouldBe 2
            cache.sizeOf("missing") shouldBe 0
            cache.clear()
            cache.keysCount() shouldBe 0
            cache.exists("a") shouldBe false
        }

        contract("raw values bypass the codec") {
            cache.setRaw("raw", "plain".encodeToByteArray()) shouldBe true
            (cache.getRaw("raw") as ByteArray).decodeToString() shouldBe "plain"
        }
    }
}

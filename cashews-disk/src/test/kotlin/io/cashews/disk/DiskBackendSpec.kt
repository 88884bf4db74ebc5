package io.cashews.disk

import io.cashews.BackendUnavailableError
import io.cashews.Cache
import io.cashews.KeyTtl
import io.cashews.SetupError
import io.cashews.cachedMany
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import java.nio.file.Files
import java.nio.file.Path
import java.sql.DriverManager
import kotlin.io.path.listDirectoryEntries
import kotlin.io.path.name
import kotlin.random.Random
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

@Serializable
data class Order(
    val id: Long,
    val items: List<String>,
)

/** Runs [body] with a fresh temporary directory, removed afterwards. */
internal fun withDirectory(body: suspend (Path) -> Unit) {
    val directory = Files.createTempDirectory("cashews-disk")
    try {
        runBlocking(Dispatchers.Default) { body(directory) }
    } finally {
        directory.toFile().deleteRecursively()
    }
}

/** Keys drawn with Zipf(1) frequencies from [count] distinct keys: a few hot, most rare. */
private class ZipfKeys(
    count: Int,
    seed: Long,
) {
    private val random = Random(seed)
    private val cumulative =
        DoubleArray(count).also { weights ->
            var sum = 0.0
            for (i in weights.indices) {
                sum +=
                    1.0 / (i + 1)
                weights[i] = sum
            }
        }

    fun next(): String {
        val point = random.nextDouble() * cumulative.last()
        val index = cumulative.binarySearch(point).let { if (it < 0) -it - 1 else it }
        return "item:$index"
    }
}

class DiskBackendSpec : FunSpec({
    test("removeExpired purges expired rows of every shard at once, before the scheduled purge") {
        withDirectory { directory ->
            val time = TestTimeSource()
            val cache = Cache("disk://?directory=$directory&shards=4&purge_interval=1d", time)
            repeat(10) { cache.set("short:$it", "v", 1.minutes) }
            cache.set("long", "v", 1.hours)
            time += 2.minutes
            cache.removeExpired() shouldBe 10
            cache.removeExpired() shouldBe 0
            cache.get<String>("long") shouldBe "v"
            cache.close()
        }
    }

    test("values, counters, sets and TTLs survive closing and reopening the cache") {
        withDirectory { directory ->
            val url = "disk://?directory=$directory"
            val first = Cache(url)
            first.set("order:1", Order(1, listOf("tea", "milk")), ttl = 1.hours)
            first.set("forever", "kept")
            first.incr("visits", 41)
            first.setAdd("tags", listOf("a", "b"))
            first.set("short", "gone soon", ttl = 1.minutes)
            first.close()

            val second = Cache(url)
            second.get<Order>("order:1") shouldBe Order(1, listOf("tea", "milk"))
            second.get<String>("forever") shouldBe "kept"
            second.incr("visits") shouldBe 42
            second.setMembers("tags") shouldBe setOf("a", "b")
            val left = second.ttl("order:1").shouldBeInstanceOf<KeyTtl.Expiring>().remaining
            left.inWholeMinutes shouldBeGreaterThan 58
            second.ttl("forever") shouldBe KeyTtl.Persistent
            second.close()
        }
    }

    test("a garbage shard file and a truncated one are moved aside and rebuilt; the other shards keep their values") {
        withDirectory { directory ->
            val url = "disk://?directory=$directory&shards=4"
            val first = Cache(url)
            val keys = (0 until 200).map { "key:$it" }
            for (key in keys) first.set(key, "value of $key")
            first.close()
            // Checkpointed and closed: every shard's data is in its main file now.
            val garbage = directory.resolve("shard-000.sqlite")
            Files.write(garbage, Random(1).nextBytes(8192))
            val truncated = directory.resolve("shard-001.sqlite")
            Files.write(truncated, Files.readAllBytes(truncated).copyOf(Files.size(truncated).toInt() / 2))

            val second = Cache()
            val backend = second.setup(url) as DiskBackend
            val damaged = setOf(0, 1)
            for (key in keys) {
                val expected = if ((key.hashCode() and Int.MAX_VALUE) % 4 in damaged) null else "value of $key"
                second.get<String>(key) shouldBe expected
            }
            backend.rebuiltShards shouldBe 2
            directory.listDirectoryEntries().count { it.name.contains(".damaged-") } shouldBe 2
            // The rebuilt shards work again.
            second.set("key:0", "again")
            second.get<String>("key:0") shouldBe "again"
            second.close()
        }
    }

    test("an SQLite database the cache did not write is refused with SetupError and left untouched") {
        withDirectory { directory ->
            val foreign = directory.resolve("shard-000.sqlite")
            DriverManager.getConnection("jdbc:sqlite:$foreign").use {
                it.createStatement().execute("CREATE TABLE entries (id INTEGER, payload TEXT)")
                it.createStatement().execute("INSERT INTO entries VALUES (1, 'precious')")
            }
            val cache = Cache("disk://?directory=$directory&shards=1")
            shouldThrow<SetupError> { cache.get<String>("k") }.message shouldContain "did not write"
            DriverManager.getConnection("jdbc:sqlite:$foreign").use {
                it.createStatement().executeQuery("SELECT payload FROM entries").use { row ->
                    row.next()
                    row.getString(1) shouldBe "precious"
                }
            }
            cache.close()
        }
    }

    test("a directory written with another shard count is refused, naming the count to use") {
        withDirectory { directory ->
            Cache("disk://?directory=$directory&shards=4").apply {
                set("k", "v")
                close()
            }
            val cache = Cache("disk://?directory=$directory&shards=8")
            shouldThrow<SetupError> { cache.get<String>("k") }.message shouldContain "shards=4"
            cache.close()
        }
    }

    test("a directory that cannot be made or written fails with BackendUnavailableError naming it") {
        withDirectory { directory ->
            val file = Files.writeString(directory.resolve("a-file"), "not a directory")
            val cache = Cache("disk://?directory=${file.resolve("cache")}")
            shouldThrow<BackendUnavailableError> { cache.set("k", "v") }.message shouldContain "a-file"
            cache.close()
        }
    }

    test("setup rejects bad parameters by name") {
        shouldThrow<SetupError> { Cache("disk://?size_limit=lots") }.message shouldContain "size_limit"
        shouldThrow<SetupError> { Cache("disk://?shards=-1") }.message shouldContain "shards"
        shouldThrow<SetupError> { Cache("disk://?shards=257") }.message shouldContain "shards"
        shouldThrow<SetupError> { Cache("disk:///var/cache") }.message shouldContain "directory="
    }

    test("eviction keeps the stored size under the limit under a write-heavy Zipf load, and counts what it evicts") {
        withDirectory { directory ->
            val cache = Cache()
            val limit = 256L * 1024
            val backend = cache.setup("disk://?directory=$directory&shards=4&size_limit=256kb") as DiskBackend
            val keys = ZipfKeys(count = 5_000, seed = 7)
            val value = "x".repeat(1024)
            repeat(10) {
                repeat(300) { cache.set(keys.next(), value) }
                backend.storedBytes() shouldBeLessThanOrEqual limit
            }
            backend.evictions shouldBeGreaterThan 0
            // The hottest key, written most often, is still there.
            cache.get<String>("item:0") shouldBe value
            cache.close()
        }
    }

    test("a value larger than a shard's share of the limit is not stored: the write says so and nothing else goes") {
        withDirectory { directory ->
            val cache = Cache()
            val backend = cache.setup("disk://?directory=$directory&shards=2&size_limit=8kb") as DiskBackend
            cache.set("small", "fits") shouldBe true
            cache.set("huge", "y".repeat(10_000)) shouldBe false
            cache.get<String>("huge") shouldBe null
            cache.get<String>("small") shouldBe "fits"
            backend.refusedTooLarge shouldBe 1
            cache.close()
        }
    }
    test("bytes damaged inside a page, where SQLite does not look, read as a miss and never as a wrong value") {
        withDirectory { directory ->
            val random = Random(16)
            val value = (0 until 3_000).map { 'a' + random.nextInt(26) }.joinToString("")
            val url = "disk://?directory=$directory&shards=1"
            repeat(30) { trial ->
                Cache(url).apply {
                    set("order", value) shouldBe true
                    close() // the last connection checkpoints the log into the database file
                }
                val file = directory.resolve("shard-000.sqlite")
                val bytes = Files.readAllBytes(file)
                val start = String(bytes, Charsets.ISO_8859_1).indexOf(value.substring(0, 64))
                check(start >= 0) { "the value is not in the database file" }
                // 16 bytes of the stored value changed in place: no page count, header or index changes.
                val at = start + 16 + random.nextInt(value.length - 48)
                repeat(16) { bytes[at + it] = ('A' + random.nextInt(26)).code.toByte() }
                Files.write(file, bytes)
                val reader = Cache(url)
                withClue("trial $trial") { reader.get<String>("order") shouldBe null }
                reader.close()
            }
        }
    }

    test("a row's checksum is read with its value: a row without one reads as written, a wrong one as a miss") {
        withDirectory { directory ->
            val url = "disk://?directory=$directory&shards=1"
            val file = directory.resolve("shard-000.sqlite")
            // Each case: the change made to the stored checksum, and what a read answers afterwards.
            val cases =
                listOf(
                    "crc" to "value", // untouched
                    "NULL" to "value", // a row written before checksums
                    "crc + 1" to null,
                    "crc + 4294967296" to null, // differs only above the 32 bits a checksum has
                    "-1" to null,
                    "'text'" to null,
                    "x'00ff'" to null,
                )
            for ((change, expected) in cases) {
                Cache(url).apply {
                    set("order", "value") shouldBe true
                    close()
                }
                DriverManager.getConnection("jdbc:sqlite:$file").use {
                    it.createStatement().executeUpdate("UPDATE entries SET crc = $change WHERE key = 'order'")
                }
                val reader = Cache(url)
                withClue("crc = $change") {
                    reader.get<String>("order") shouldBe expected
                    reader.getMany<String>(listOf("order")) shouldBe listOf(expected)
                }
                reader.close()
            }
        }
    }

    test("getMany and cachedMany read batches of keys by shard: live, expired, missing and damaged rows alike") {
        withDirectory { directory ->
            val time = TestTimeSource()
            val url = "disk://?directory=$directory&shards=4&purge_interval=1d"
            val cache = Cache(url, time)
            val keys = (1..600).map { "k:$it" } // more than one statement's worth in every shard
            cache.setMany(keys.filter { it.removePrefix("k:").toInt() % 3 != 0 }.associateWith { "value of $it" })
            cache.set("k:short", "gone", ttl = 1.minutes)
            time += 2.minutes
            val stored = keys.associateWith { if (it.removePrefix("k:").toInt() % 3 != 0) "value of $it" else null }
            cache.getMany<String>(keys + "k:short") shouldBe stored.values.toList() + null

            val asked = mutableListOf<List<String>>()
            val answers =
                cache.cachedMany(keys, 1.hours) { missing ->
                    asked += missing
                    missing.associateWith { "loaded $it" }
                }
            answers.keys.toList() shouldBe keys
            asked shouldBe listOf(keys.filter { stored[it] == null })
            answers["k:3"] shouldBe "loaded k:3"
            answers["k:4"] shouldBe "value of k:4"
            cache.close()

            // A row damaged where SQLite does not look reads as a miss in a batch too, and is removed.
            val one = "disk://?directory=$directory-one&shards=1"
            val value = "x".repeat(2_000)
            Cache(one).apply {
                setMany(mapOf("a" to value, "b" to "intact"))
                close()
            }
            val file = Path.of("$directory-one").resolve("shard-000.sqlite")
            val bytes = Files.readAllBytes(file)
            val at = String(bytes, Charsets.ISO_8859_1).indexOf(value) + 100
            repeat(8) { bytes[at + it] = 'y'.code.toByte() }
            Files.write(file, bytes)
            val reader = Cache(one)
            reader.getMany<String>(listOf("a", "b")) shouldBe listOf(null, "intact")
            reader.exists("a") shouldBe false
            reader.close()
            Path.of("$directory-one").toFile().deleteRecursively()
        }
    }

    test("a local tier in front of disk: own writes drop the copy at once, another process's after the local TTL") {
        withDirectory { directory ->
            val time = TestTimeSource()
            val url = "disk://?directory=$directory&local=100:30s"
            val first = Cache(url, time)
            val second = Cache(url, time)
            first.set("k", "v1")
            first.get<String>("k") shouldBe "v1"
            second.set("k", "v2")
            first.get<String>("k") shouldBe "v1" // no bus between processes on disk: stale for up to the local TTL
            time += 31.seconds
            first.get<String>("k") shouldBe "v2"
            first.set("k", "v3")
            first.get<String>("k") shouldBe "v3"
            first.close()
            second.close()
        }
    }

    test("the write-ahead log is bounded, so the files on disk stay near size_limit while the cache is open") {
        withDirectory { directory ->
            val cache = Cache()
            val limit = 8L * 1024 * 1024
            cache.setup("disk://?directory=$directory&size_limit=8mb")
            val value = "v".repeat(1024)
            var largest = 0L
            var largestLog = 0L
            repeat(30_000) { i ->
                cache.set("item:$i", value)
                if (i % 1_000 == 999) {
                    val files = directory.listDirectoryEntries()
                    largest = maxOf(largest, files.sumOf { Files.size(it) })
                    largestLog = maxOf(largestLog, files.filter { it.name.endsWith("-wal") }.sumOf { Files.size(it) })
                }
            }
            println(
                "disk footprint: largest ${largest / 1024} KB (logs ${largestLog / 1024} KB) for a limit of ${limit / 1024} KB",
            )
            // Eight logs of at most a quarter of their shard's share each, and the databases' own overhead (indexes,
            // page slack) over what the limit counts: documented in README as at most 1.75 times size_limit.
            largestLog shouldBeLessThanOrEqual limit / 4 + 8 * 64 * 1024
            largest shouldBeLessThanOrEqual limit * 7 / 4
            cache.close()
        }
    }
})

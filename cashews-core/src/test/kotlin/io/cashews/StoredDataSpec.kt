package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.Serializable
import java.io.IOException
import kotlin.time.Duration.Companion.minutes
import kotlin.time.TestTimeSource

@Serializable
private data class Member(val id: Long, val name: String)

/** Records whether [InitialiserWitness]'s static initialiser ran. */
internal object InitialiserRan {
    @Volatile
    var ran: Boolean = false
}

/** Not an exception: naming it in a stored failure must not initialise it. */
internal class InitialiserWitness {
    companion object {
        init {
            InitialiserRan.ran = true
        }
    }
}

internal class OtherProblem(message: String?) : IllegalStateException(message)

class StoredDataSpec : FunSpec({
    for ((name, params) in valueModes) {
        test("$name: a stored failure is thrown only to calls whose condition caches that type") {
            runTest {
                val cache = memoryCache(params)
                val caching = CacheCondition.withExceptions(IOException::class, ttl = 1.minutes)
                shouldThrow<IOException> {
                    cache.cached(1.minutes, key = "k", condition = caching) { throw IOException("no route") }
                }
                // The same condition replays it without loading.
                shouldThrow<IOException> { cache.cached(1.minutes, key = "k", condition = caching) { "loaded" } }
                // A call that caches no exceptions, or others, never sees it: it is a miss.
                cache.cached(1.minutes, key = "k") { "loaded" } shouldBe "loaded"
                cache.delete("k")
                shouldThrow<IOException> {
                    cache.cached(1.minutes, key = "k", condition = caching) { throw IOException("no route") }
                }
                val other = CacheCondition.withExceptions(IllegalStateException::class)
                cache.early(1.minutes, key = "k", condition = other) { "loaded" } shouldBe "loaded"
            }
        }

        test("$name: a typed read of a list of other elements is a miss, never a late ClassCastException") {
            runTest {
                val cache = memoryCache(params)
                cache.set("members", listOf(Member(1, "Ann")))
                cache.get<List<String>>("members") shouldBe null
                cache.get<List<Member>>("members") shouldBe listOf(Member(1, "Ann"))
                cache.set("index", mapOf("ann" to Member(1, "Ann")))
                cache.get<Map<String, Long>>("index") shouldBe null
                cache.get<Map<String, Member>>("index") shouldBe mapOf("ann" to Member(1, "Ann"))
                // Concrete container types are checked as their interfaces are.
                cache.set("ids", arrayListOf(1L, 2L))
                cache.get<ArrayList<String>>("ids") shouldBe null
                cache.get<ArrayList<Long>>("ids") shouldBe arrayListOf(1L, 2L)
                cache.set("names", linkedSetOf("ann"))
                cache.get<HashSet<Long>>("names") shouldBe null
                cache.get<LinkedHashSet<String>>("names") shouldBe linkedSetOf("ann")
                cache.set("ages", linkedMapOf("ann" to 42))
                cache.get<HashMap<String, String>>("ages") shouldBe null
                cache.get<LinkedHashMap<String, Int>>("ages") shouldBe linkedMapOf("ann" to 42)
                // Arrays of objects are checked element by element; primitive arrays hold no elements to check.
                cache.set("tags", arrayOf("a", "b"))
                cache.get<Array<Long>>("tags") shouldBe null
                cache.get<Array<String>>("tags")?.toList() shouldBe listOf("a", "b")
                cache.set("scores", intArrayOf(1, 2))
                cache.get<IntArray>("scores")?.toList() shouldBe listOf(1, 2)
                if (name == "objects") {
                    // A read for Any takes any stored object, containers included (bytes need a type to decode).
                    cache.get<Any>("members") shouldBe listOf(Member(1, "Ann"))
                    cache.get<Any>("scores").shouldBeInstanceOf<IntArray>()
                }
                var loads = 0
                cache.cached<List<String>>(1.minutes, key = "members") { listOf("loaded").also { loads++ } } shouldBe
                    listOf("loaded")
                loads shouldBe 1
            }
        }
    }

    test("a stored failure written by someone else cannot choose the exception, nor run a class initialiser") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            val caching = CacheCondition.withExceptions(IllegalStateException::class)
            shouldThrow<IllegalStateException> {
                cache.cached(1.minutes, key = "k", condition = caching) { throw IllegalStateException("real") }
            }
            val stored = (cache.getRaw("k") as ByteArray).decodeToString()

            // A class that is not an exception: resolved without initialising it, then refused.
            cache.setRaw(
                "k",
                stored
                    .replace(
                        IllegalStateException::class.java.name,
                        "io.cashews.InitialiserWitness",
                    ).encodeToByteArray(),
            )
            cache.cached(1.minutes, key = "k", condition = caching) { "loaded" } shouldBe "loaded"
            InitialiserRan.ran shouldBe false

            // An exception the condition does not name: a miss. One it names (a subclass): thrown again.
            cache.setRaw(
                "k",
                stored
                    .replace(
                        IllegalStateException::class.java.name,
                        IOException::class.java.name,
                    ).encodeToByteArray(),
            )
            cache.cached(1.minutes, key = "k", condition = caching) { "loaded" } shouldBe "loaded"
            cache.setRaw(
                "k",
                stored
                    .replace(
                        IllegalStateException::class.java.name,
                        OtherProblem::class.java.name,
                    ).encodeToByteArray(),
            )
            shouldThrow<OtherProblem> { cache.cached(1.minutes, key = "k", condition = caching) { "loaded" } }
        }
    }
    test("a signed value replayed after the expiry it was written with is refused; copied to another key, too") {
        runTest {
            val time = TestTimeSource()
            val cache = Cache(time).apply { setup("mem://", params = mapOf("secret" to "s3cr3t")) }
            cache.set("session", "ann", ttl = 1.minutes) shouldBe true
            val captured = cache.getRaw("session") as ByteArray
            // Replayed while still within its expiry: accepted, as signing alone cannot tell it from the original.
            cache.setRaw("session", captured)
            cache.get<String>("session") shouldBe "ann"
            time += 2.minutes
            cache.get<String>("session") shouldBe null
            // Replayed (without a TTL) after its expiry: the signature holds, the bound it carries does not.
            cache.setRaw("session", captured)
            cache.get<String>("session") shouldBe null
            cache.setRaw("other", captured)
            shouldThrow<UnsecureDataError> { cache.get<String>("other") }
        }
    }

    test("tag versions do not take the values' slots on the memory backend") {
        runTest {
            val cache = Cache("mem://?size=1000")
            repeat(1_000) { i -> cache.set("item:$i", "value $i", tags = listOf("tag:$i")) }
            (0 until 1_000).count { i -> cache.get<String>("item:$i") == "value $i" } shouldBe 1_000
            cache.deleteTags("tag:7")
            cache.get<String>("item:7") shouldBe null
            cache.get<String>("item:8") shouldBe "value 8"
        }
    }
})

package io.cashews.bench

import io.cashews.Cache
import io.cashews.SetCondition
import io.cashews.cached
import io.cashews.detect
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/** A value the demo caches. */
@Serializable
public data class User(val id: Long, val name: String)

/**
 * A tour of the command API on the in-memory backend, printed as it goes. Pass a setup URL as the first argument
 * (or set `CASHEWS_URL`) to run it against another backend.
 */
public object Demo {
    /** Runs the tour; the first argument, or `CASHEWS_URL`, picks the setup URL. */
    @JvmStatic
    public fun main(args: Array<String>) {
        val url = args.firstOrNull() ?: System.getenv("CASHEWS_URL") ?: "mem://?size=10000"
        runBlocking { tour(url) }
    }

    private suspend fun tour(url: String) {
        val cache = Cache(url)
        println("cache: $cache")

        cache.set("user:1", User(1, "Ann"), ttl = "3h")
        println("get user:1           -> ${cache.get<User>("user:1")}")
        println("ttl user:1           -> ${cache.ttl("user:1")}")

        cache.setMany(mapOf("user:2" to User(2, "Bob"), "user:3" to User(3, "Cy")), ttl = 10.minutes)
        println("getMany 3, 9, 2      -> ${cache.getMany<User>(listOf("user:3", "user:9", "user:2"))}")
        println("getMatch user:[12]   -> ${cache.getMatch<User>("user:[12]").toList().sortedBy { it.first }}")

        println("set NX on user:1     -> ${cache.set("user:1", User(1, "Imposter"), condition = SetCondition.IF_ABSENT)}")
        println("incr visits x3       -> ${List(3) { cache.incr("visits", ttl = 1.minutes) }}")
        println("bloom-style bits     -> ${cache.incrBits("bits", listOf(3, 17), size = 4)}")

        val answer = cache.lock("jobs:nightly", ttl = 1.minutes) { "ran under the lock" }
        println("lock jobs:nightly    -> $answer, still locked: ${cache.isLocked("jobs:nightly")}")

        val loads = AtomicInteger()
        val reports =
            coroutineScope {
                List(100) {
                    async {
                        cache.cached(1.minutes, "report") {
                            delay(50.milliseconds) // a slow backend call
                            "report #${loads.incrementAndGet()}"
                        }
                    }
                }.awaitAll()
            }
        println("cached x100 at once  -> ${reports.toSet()} with ${loads.get()} load")
        val (again, hits) = detect { cache.cached(1.minutes, "report") { "never loaded" } }
        println("detect               -> $again served by ${hits.map { it.strategy to it.key }}")

        val signed = Cache("mem://?secret=s3cr3t&digestmod=sha256")
        signed.set("token", "value")
        println("signed stored form   -> ${(signed.getRaw("token") as ByteArray).decodeToString()}")

        println("keys in cache        -> ${cache.keysCount()}")
        cache.close()
        signed.close()
    }
}

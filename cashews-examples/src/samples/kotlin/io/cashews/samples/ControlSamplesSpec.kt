package io.cashews.samples

import kotlinx.coroutines.yield
import kotlinx.coroutines.withTimeout
import io.cashews.AddPrefix
import io.cashews.Cache
import io.cashews.CacheEventListener
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.KeyTemplate
import io.cashews.LoggingInterceptor
import io.cashews.TransactionMode
import io.cashews.cached
import io.cashews.callback
import io.cashews.detect
import io.cashews.invalidate
import io.cashews.invalidateFurther
import io.cashews.micrometer.CacheMetrics
import io.cashews.transaction
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.test.runTest
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/**
 * The README's samples for invalidation, tags, detect, interceptors, callbacks, transactions, metrics and virtual
 * time, each run on a real cache.
 */
class ControlSamplesSpec : FunSpec({
    test("invalidation") {
        val cache = Cache("mem://")
        val repo = Repo()
        val userId = 9L
        val dashboards = AtomicInteger()

        suspend fun dashboard(id: Long) = cache.cached(1.hours, "dashboard:$id") { "board ${dashboards.incrementAndGet()}" }
        dashboard(userId)
        // sample: invalidation
        val userKey = KeyTemplate.of("user:{id}:{lang}")
        suspend fun user(id: Long, lang: String) = cache.cached(1.hours, userKey, mapOf("id" to id, "lang" to lang)) { repo.localized(id, lang) }

        suspend fun rename(id: Long, name: String) =
            cache.invalidate(userKey, mapOf("id" to id)) { repo.rename(id, name) }   // then drops user:<id>:* of every lang

        user(1, "en")
        user(1, "fr")
        rename(1, "Ann")                                // user(1, "en") and user(1, "fr") load again, as "Ann"
        cache.invalidateFurther { dashboard(userId) }   // every read inside deletes instead: the cached calls recompute
        // end sample
        repo.loads.get() shouldBe 2
        user(1, "en") shouldBe "Ann (en)"
        user(1, "fr") shouldBe "Ann (fr)"
        repo.loads.get() shouldBe 4
        dashboards.get() shouldBe 2
        dashboard(userId) shouldBe "board 2"
        cache.close()
    }

    test("stale") {
        val cache = Cache("mem://")
        val repo = Repo()
        // sample: stale
        suspend fun user(id: Long): User = cache.cached(1.hours, "user:$id", serveStale = true) { repo.load(id) }

        suspend fun rename(id: Long, name: String) {
            repo.rename(id, name)
            cache.markStale("user:$id") // readers keep getting the old user until the new one is loaded
        }
        // end sample
        user(1) shouldBe User(1, "user 1")
        rename(1, "Ann")
        user(1) shouldBe User(1, "user 1")
        withTimeout(10.seconds) { while (cache.exists("user:1:stale")) yield() }
        user(1) shouldBe User(1, "Ann")
        cache.close()
    }

    test("tags") {
        val cache = Cache("mem://")
        val repo = Repo()
        val catalog = Catalog()
        val itemKey = KeyTemplate.of("item:{page}:{id}")

        fun team(id: Long) = if (id < 100) "core" else "guests"
        // sample: tags
        suspend fun user(id: Long): User = cache.cached(1.hours, "user:$id", tags = listOf("users", "team:${team(id)}")) { repo.load(id) }
        suspend fun item(p: Int, id: Long): Item = cache.cached(1.hours, itemKey, mapOf("page" to p, "id" to id), tags = listOf("page:{page}")) { catalog.item(id) }

        user(1)
        item(p = 2, id = 5)
        cache.incr("logins:1", tags = listOf("users"))
        cache.deleteTags("users")                                  // every user and every login counter
        cache.deleteTags("page:2")                                 // every item of page 2
        // end sample
        cache.get<Long>("logins:1") shouldBe null
        user(1) shouldBe User(1, "user 1")
        repo.loads.get() shouldBe 2
        item(p = 2, id = 5) shouldBe Item("item 5 #2")
        cache.close()
    }

    test("detect") {
        val cache = Cache("mem://")
        cache.set("header", "<h1>")

        suspend fun renderPage() = cache.cached(1.hours, "header") { "<h1>" } + cache.cached(1.hours, "body") { "<p>" }
        // sample: detect
        cache.recordStats = true
        val (page, hits) = detect { renderPage() }       // hits: key, strategy, ttl left, stale or not, freshness left
        val cached = cache.stats()["cached"]             // hits, misses, loads, loadFailures, staleServed, hitRate, size
        // end sample
        page shouldBe "<h1><p>"
        hits.map { it.key } shouldBe listOf("header")
        cached?.hits shouldBe 1
        cached?.misses shouldBe 1
        cached?.size shouldBe 2
        renderPage()
        cache.stats()["cached"]?.hits shouldBe 3
        cache.close()
    }

    test("interceptors") {
        val cache = Cache("mem://")
        val timed = Collections.synchronizedList(mutableListOf<String>())

        fun record(layer: String, kind: Command, nanos: Long) {
            if (nanos >= 0) timed += "$layer $kind"
        }
        // sample: interceptors
        class Timing : CacheInterceptor {
            override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
                val started = System.nanoTime()
                try { return chain.proceed(chain.command) } finally { record(chain.layer, chain.command.kind, System.nanoTime() - started) }
            }
        }
        cache.addInterceptor(Timing())                                                      // every backend
        cache.setup("mem://", prefix = "app:", interceptors = listOf(AddPrefix("v2:"), LoggingInterceptor()))  // this backend only
        // end sample
        cache.set("app:settings", "dark")
        cache.get<String>("app:settings") shouldBe "dark"
        timed shouldContainAll listOf("mem SET", "mem GET")
        cache.close()
    }

    test("callbacks") {
        val cache = Cache("mem://")

        suspend fun importUsers() {
            cache.set("user:1", User(1, "Ann"))
            cache.get<User>("user:1")
            cache.delete("user:0")
        }
        // sample: callbacks
        val written = mutableListOf<String>()
        cache.callback(Command.SET, Command.DELETE, callback = { command, _ -> written += command.keys }) {
            importUsers()
        }
        // end sample
        written shouldBe listOf("user:1", "user:0")
        cache.set("user:2", User(2, "Bob"))
        written shouldBe listOf("user:1", "user:0") // removed with the block
        cache.close()
    }

    test("transactions") {
        val cache = Cache("mem://")
        val item = "book"
        val id = 1L
        val order = Order(id, item)
        cache.set("stock:$item", 1)
        // sample: transactions
        cache.transaction(TransactionMode.LOCKED, timeout = 5.seconds) {
            val left = cache.incr("stock:$item", -1)
            if (left < 0) throw SoldOut(item)        // nothing is applied, locks are released
            cache.set("order:$id", order, ttl = 1.hours)
        }
        // end sample
        cache.get<Order>("order:1") shouldBe order
        shouldThrow<SoldOut> {
            cache.transaction(TransactionMode.LOCKED, timeout = 5.seconds) {
                cache.incr("stock:$item", -1).let { if (it < 0) throw SoldOut(item) }
                cache.set("order:2", Order(2, item), ttl = 1.hours)
            }
        }
        cache.get<Long>("stock:$item") shouldBe 0 // the failed transaction's decrement was not applied
        cache.exists("order:2") shouldBe false
        cache.close()
    }

    test("metrics") {
        val cache = Cache("mem://")
        val misses = AtomicInteger()
        val meterRegistry = SimpleMeterRegistry()
        // sample: metrics
        cache.addListener(object : CacheEventListener {
            override fun onMiss(key: String, strategy: String) { misses.incrementAndGet() }
        })
        CacheMetrics(cache, "users").bindTo(meterRegistry)     // cashews-micrometer
        // end sample
        repeat(2) { cache.cached(1.hours, "k") { "v" } }
        misses.get() shouldBe 1
        meterRegistry.get("cache.gets").tag("result", "hit").counter().count() shouldBe 1.0
        cache.close()
    }

    test("virtual-time") {
        // sample: virtual-time
        runTest {
            val time = TestTimeSource()
            val cache = Cache("mem://", time)
            cache.set("k", "v", ttl = 1.minutes)
            time += 1.minutes - 1.milliseconds
            cache.get<String>("k") shouldBe "v"
            time += 1.milliseconds
            cache.get<String>("k") shouldBe null
        }
        // end sample
    }
})

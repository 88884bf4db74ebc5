package io.cashews.samples

import io.cashews.Cache
import io.cashews.CacheCondition
import io.cashews.EarlyPolicy
import io.cashews.Expiry
import io.cashews.KeyTemplate
import io.cashews.KeyTtl
import io.cashews.LoadedItem
import io.cashews.bloom
import io.cashews.cached
import io.cashews.cachedMany
import io.cashews.circuitBreaker
import io.cashews.dualBloom
import io.cashews.early
import io.cashews.failover
import io.cashews.function
import io.cashews.hit
import io.cashews.locked
import io.cashews.rateLimit
import io.cashews.sliceRateLimit
import io.cashews.soft
import io.cashews.tokenBucket
import io.cashews.warmUp
import io.cashews.withKeyContext
import io.cashews.withPolicy
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.flow.toList
import java.io.IOException
import java.time.LocalTime
import java.time.ZoneId
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** The README's samples for strategies, conditions, keys, TTLs and what can be cached, each run on a real cache. */
class StrategySamplesSpec : FunSpec({
    test("strategies") {
        val cache = Cache("mem://")
        val repo = Repo()
        val api = Api()
        val db = Db()
        val jobs = AtomicInteger()

        fun runJob() = jobs.incrementAndGet()
        // sample: strategies
        suspend fun user(id: Long): User = cache.cached(ttl = 3.hours, key = "user:$id") { repo.load(id) }
        suspend fun rates(): Rates = cache.early(ttl = 10.minutes, key = "rates", earlyTtl = 7.minutes) { api.rates() }
        suspend fun page(n: Int): Page = cache.soft(ttl = 10.minutes, key = "page:$n", softTtl = 1.minutes) { api.page(n) }
        suspend fun quote(): Quote = cache.failover(ttl = 2.hours, key = "quote", exceptions = setOf(IOException::class)) { api.quote() }
        suspend fun top(): List<Item> = cache.hit(ttl = 1.hours, key = "top", cacheHits = 100, updateAfter = 80) { db.top() }
        suspend fun nightly() = cache.locked(ttl = 10.minutes, key = "nightly") { runJob() }
        // end sample
        repeat(2) {
            user(1) shouldBe User(1, "user 1")
            rates() shouldBe Rates(1.08)
            page(1) shouldBe Page(1, listOf("a", "b"))
            top() shouldBe listOf(Item("top 1"))
        }
        repo.loads.get() shouldBe 1
        quote() shouldBe Quote(42) // failover always asks, and keeps the last good answer
        api.calls.get() shouldBe 3
        nightly() shouldBe 1
        cache.close()
    }

    test("function-handles") {
        val cache = Cache("mem://")
        val repo = Repo()
        val api = Api()
        // sample: function-handles
        val userById = cache.function(ttl = "3h", key = "user:{id}", tags = listOf("users")) { id: Long -> repo.load(id) }
        val rates = cache.function(EarlyPolicy(ttl = 10.minutes, key = KeyTemplate.of("rates:{currency}"))) { currency: String ->
            api.rates()
        }

        userById(42)                  // loads, and caches under "user:42"
        userById(42)                  // answered from the cache
        userById.invalidate(42)       // drops "user:42"; the next call loads again
        userById.clear()              // drops every "user:*"
        val info = userById.info()    // counts of calls and loads, size, last expiry sweep
        val parameters = userById.policy.parameters()   // ttl, key, tags, …: what it was bound with
        rates("EUR")
        // end sample
        info.hits shouldBe 1
        info.loads shouldBe 1
        info.size shouldBe 0
        parameters["tags"] shouldBe listOf("users")
        repo.loads.get() shouldBe 1
        userById(42) shouldBe User(42, "user 42")
        repo.loads.get() shouldBe 2
        cache.get<Rates>("early:rates:EUR") shouldBe Rates(1.08)
        cache.close()
    }

    test("batch-loading") {
        val cache = Cache("mem://")
        val repo = Repo()
        // sample: batch-loading
        val users: Map<Long, User> =
            cache.cachedMany(listOf(1L, 2L, 3L), ttl = 3.hours, keyOf = { "user:$it" }) { missing ->
                repo.loadAll(missing).associateBy { it.id }   // one query for the ids missing from the cache
            }

        val userById =
            cache
                .function(ttl = "3h", key = "user:{id}") { id: Long -> repo.load(id) }
                .withBulkLoader(coalesce = true) { ids -> repo.loadAll(ids).associateBy { it.id } }
        val some = userById.getAll(listOf(2L, 3L, 4L))   // 2 and 3 stored above; 4 from one bulk load
        val one = userById(5)   // concurrent calls like this one that miss together: one getMany, one bulk load
        // end sample
        users shouldBe (1L..3L).associateWith { User(it, "user $it") }
        some.keys shouldBe setOf(2L, 3L, 4L)
        one shouldBe User(5, "user 5")
        repo.batches.get() shouldBe 3
        repo.loads.get() shouldBe 0
        cache.close()
    }

    test("warm-up") {
        val cache = Cache("mem://?size=10000")
        val repo = Repo()
        // sample: warm-up
        val report = cache.warmUp("users", ids = List(1_000) { it + 1L }, ttl = 3.hours, keyOf = { "user:$it" }) { batch ->
            repo.loadAll(batch).associateBy { it.id }   // 100 ids a batch, 4 batches at a time
        }
        // log: warming 'users': 100 of 1000 ids … warmed 'users': WarmUpReport(users: 399 of 1000 present, …)
        // end sample
        report.present shouldBe 399 // the repository has no user from 400 on
        report.leftOut shouldBe 601
        repo.batches.get() shouldBe 10
        cache.get<User>("user:42") shouldBe User(42, "user 42")
        cache.close()
    }

    test("rate-limits") {
        val cache = Cache("mem://")
        val api = Api()
        val index = SearchIndex()
        val users = Users()
        val registry = Registry()
        val user = "ann"
        val q = "kotlin"
        val email = "bob@elsewhere.org"
        val id = "v42"

        fun busyPage() = "busy"

        fun render() = "pdf"
        // sample: rate-limits
        cache.rateLimit(limit = 100, period = 1.minutes, key = "search:$user") { index.search(q) }       // fixed window
        cache.sliceRateLimit(limit = 100, period = 1.minutes, key = "slice:$user") { index.search(q) }   // sliding window
        cache.rateLimit(10, 1.seconds, key = "pdf:$user", action = { busyPage() }) { render() }        // answer instead of failing
        cache.tokenBucket(rate = 10, period = 1.seconds, burst = 20, key = "api:$user") { index.search(q) }  // token bucket
        cache.circuitBreaker(errorsRate = 50.0, period = 1.minutes, ttl = 30.seconds, minCalls = 20, key = "quotes") { api.quote() }

        val emails = cache.bloom(name = "emails", capacity = 1_000_000, falsePositives = 0.001)
        emails.add("ann@example.com")
        val known = emails.check(email) { users.existsByEmail(email) }   // false at once for most unknown emails
        cache.dualBloom("verified", capacity = 100_000).check(id) { registry.isVerified(id) }  // learns both answers
        // end sample
        index.searches.get() shouldBe 3
        api.calls.get() shouldBe 1
        known shouldBe false
        users.checks.get() shouldBe 0 // never added: answered by the filter alone
        emails.mightContain("ann@example.com") shouldBe true
        registry.checks.get() shouldBe 1
        cache.dualBloom("verified", capacity = 100_000).check(id) { error("learnt: answered by the filter") } shouldBe true
        repeat(9) { cache.rateLimit(10, 1.seconds, key = "pdf:$user", action = { busyPage() }) { render() } }
        cache.rateLimit(10, 1.seconds, key = "pdf:$user", action = { busyPage() }) { render() } shouldBe "busy"
        cache.close()
    }

    test("conditions") {
        val cache = Cache("mem://")
        val repo = Repo()
        val api = Api()
        val reports = Reports()
        val id = 405L
        // sample: conditions
        val found = cache.cached(1.hours, "user:$id", CacheCondition.NotNull) { repo.find(id) }            // null is not kept
        val score = cache.cached(1.hours, "score:$id", CacheCondition.of { s: Int, _ -> s > 0 }) { api.score(id) }
        val missing = runCatching {                                                                    // negative caching
            cache.cached<User>(1.hours, "user:404", CacheCondition.withExceptions(NotFound::class, ttl = 1.minutes)) { repo.load(404) }
        }
        val report = cache.cached(1.hours, "report", timeCondition = 100.milliseconds) { reports.build() }   // only if slow
        // end sample
        found shouldBe null
        score shouldBe 405
        missing.exceptionOrNull().shouldBeInstanceOf<NotFound>()
        report shouldBe "report 1"
        cache.cached(1.hours, "user:$id", CacheCondition.NotNull) { repo.find(id) } shouldBe null
        runCatching {
            cache.cached<User>(1.hours, "user:404", CacheCondition.withExceptions(NotFound::class, ttl = 1.minutes)) { repo.load(404) }
        }.exceptionOrNull().shouldBeInstanceOf<NotFound>()
        repo.loads.get() shouldBe 3 // find twice (null is not kept), load once (its failure is kept)
        cache.cached(1.hours, "report", timeCondition = 100.milliseconds) { reports.build() } shouldBe "report 1"
        cache.close()
    }

    test("keys") {
        val cache = Cache("mem://")
        val repo = Repo()
        val id = 7L
        val email = "Ann@Example.com"
        // sample: keys
        val userKey = KeyTemplate.of("user:{id}:{email:lower:hash(sha256)}", parameters = listOf("id", "email"))
        cache.cached(1.hours, userKey, mapOf("id" to id, "email" to email)) { repo.load(id) }
        // end sample
        cache.cached(1.hours, userKey, mapOf("id" to id, "email" to email.lowercase())) { repo.load(id) }
        repo.loads.get() shouldBe 1 // the same key: the email is lower-cased before it is hashed
        cache.scan("user:7:*").toList().map { it.length } shouldBe listOf("user:7:".length + 64)
        cache.close()
    }

    test("keys-positional") {
        val cache = Cache("mem://")
        val repo = Repo()
        val id = 7L
        val lang = "de"
        // sample: keys-positional
        val userKey = KeyTemplate.of("user:{id}:{lang}")
        cache.cached(1.hours, userKey, id, lang) { repo.localized(id, lang) }
        // end sample
        cache.cached(1.hours, userKey, id, lang) { repo.localized(id, lang) }
        repo.loads.get() shouldBe 1
        cache.exists("user:7:de") shouldBe true
        cache.close()
    }

    test("ttl") {
        val cache = Cache("mem://")
        val auth = Auth()
        val api = Api()
        // sample: ttl
        cache.set("a", 1, ttl = "1d2h3m50s")
        cache.set("b", 2, ttl = 90.seconds)
        val token = cache.cached(ttl = { t: Token -> t.expiresIn }, key = "token") { auth.token() }
        val feed = cache.cached(ttl = 1.hours, key = "feed", jitter = 0.1) { api.feed() }
        // end sample
        token.value shouldBe "token 1"
        cache.ttl("token").shouldBeInstanceOf<KeyTtl.Expiring>().remaining.inWholeMinutes shouldBe 9
        cache.ttl("feed").shouldBeInstanceOf<KeyTtl.Expiring>().remaining.shouldBeBetween(54.minutes, 1.hours)
        feed shouldBe "feed #1"
        cache.close()
    }

    test("expiry") {
        val cache = Cache("mem://")
        val reports = Reports()
        val auth = Auth()
        // sample: expiry
        // Kept until the next 06:00 in Paris, when the nightly report is rebuilt.
        val report = cache.cached(expiry = Expiry.dailyAt(LocalTime.of(6, 0), ZoneId.of("Europe/Paris")), key = "report") {
            reports.build()
        }
        // Kept for the token's own lifetime; a failure (when the condition stores it) for 30 seconds.
        val token = cache.cached(
            expiry = { item: LoadedItem<Token> -> item.value?.let { Expiry.after(it.expiresIn) } ?: Expiry.after(30.seconds) },
            key = "token",
        ) { auth.token() }
        // end sample
        cache.get<String>("report") shouldBe report
        cache.ttl("report").shouldBeInstanceOf<KeyTtl.Expiring>().remaining.shouldBeBetween(1.milliseconds, 24.hours)
        token.value shouldBe "token 1"
        cache.ttl("token").shouldBeInstanceOf<KeyTtl.Expiring>().remaining.inWholeMinutes shouldBe 9
        cache.close()
    }

    test("with-policy") {
        val cache = Cache("mem://")
        val repo = Repo()
        // sample: with-policy
        val userPolicy = EarlyPolicy(10.minutes, KeyTemplate.of("user:{@tenant}:{id}"), tags = listOf("user:{id}"))
        suspend fun user(id: Long): User = cache.withPolicy(userPolicy, mapOf("id" to id)) { repo.load(id) }
        // end sample
        withKeyContext("tenant" to "acme") {
            user(1) shouldBe user(1)
        }
        repo.loads.get() shouldBe 1
        cache.exists("early:user:acme:1") shouldBe true
        cache.close()
    }

    test("codecs") {
        // sample: codecs
        val signed = Cache("mem://?secret=s3cr3t&codec=cbor&compress_type=gzip")
        signed.set("user:1", User(1, "Ann"))
        val back: User? = signed.get("user:1")
        // end sample
        back shouldBe User(1, "Ann")
        (signed.getRaw("user:1") as ByteArray).decodeToString() shouldStartWith "md5:"
        signed.close()
    }
})

package io.cashews.redis

import io.cashews.BackendCommandError
import io.cashews.BackendConfigurationError
import io.cashews.BackendUnavailableError
import io.cashews.Cache
import io.cashews.CacheError
import io.cashews.LockedError
import io.cashews.OutagePolicy
import io.cashews.RateLimitError
import io.cashews.SetupError
import io.cashews.cached
import io.cashews.circuitBreaker
import io.cashews.rateLimit
import io.cashews.sliceRateLimit
import io.cashews.test.RedisProcess
import io.cashews.tokenBucket
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** Every error a caller can see from a failing Redis is the library's own, never a client library's. */
private fun Throwable.shouldBeOurs() {
    generateSequence(this) { it.cause }.forEach { (it.javaClass.name.startsWith("io.lettuce")) shouldBe false }
}

private suspend fun commandCalls(redis: RedisProcess, command: String): Long {
    val stats = raw(redis) { it.info("commandstats").await() }
    val line = stats.lines().firstOrNull { it.startsWith("cmdstat_$command:") } ?: return 0
    return line.substringAfter("calls=").substringBefore(',').toLong()
}

/** Runs [body] with a cache on a fresh Redis, set up from [url] (the server's own by default), closed afterwards. */
private fun onRedis(
    url: (RedisProcess) -> String = { it.url },
    body: suspend CoroutineScope.(cache: Cache, redis: RedisProcess) -> Unit,
) {
    RedisProcess.start().use { redis ->
        runBlocking(Dispatchers.Default) {
            val cache = Cache(url(redis))
            try {
                body(cache, redis)
            } finally {
                cache.close()
            }
        }
    }
}

class RedisFailureSpec : FunSpec({
    test("a Redis loading its dataset is an outage: loaders run, limits count in-process, locks fail closed") {
        RedisProcess.start().use { redis ->
            runBlocking(Dispatchers.Default) {
                // A saved dataset that takes seconds to load (10 000 keys at 1 ms each): far longer than the test needs.
                raw(redis) {
                    it
                        .eval<String>(
                            "for i = 1, 10000 do redis.call('SET', 'k' .. i, 'v') end",
                            io.lettuce.core.ScriptOutputType.STATUS,
                        ).await()
                    it.save().await()
                }
                redis.kill()
                redis.restart("--key-load-delay", "1000", "--loading-process-events-interval-bytes", "1024")
                val loading = raw(redis) { runCatching { it.ping().await() }.exceptionOrNull()?.message.orEmpty() }
                loading shouldContain "LOADING"

                val cache = Cache(redis.url)
                val strict = Cache(redis.url + "?suppress=false")
                try {
                    cache.cached(1.minutes, key = "item") { "loaded" } shouldBe "loaded"
                    val admitted =
                        (1..5).count {
                            runCatching { cache.rateLimit(limit = 3, period = 1.minutes, key = "api") { it } }.isSuccess
                        }
                    admitted shouldBe 3
                    val locked = shouldThrow<BackendUnavailableError> { cache.lock("job", 1.minutes) { "ran" } }
                    locked.message shouldContain "LOADING"
                    locked.shouldBeOurs()
                    val plain = shouldThrow<BackendUnavailableError> { strict.get<String>("k1") }
                    plain.message shouldContain "LOADING"
                    plain.shouldBeOurs()
                } finally {
                    cache.close()
                    strict.close()
                }
            }
        }
    }

    test("a frozen Redis is taken as down after consecutive timeouts: later commands are not sent at all") {
        onRedis({ redis -> redis.url + "?socket_timeout=200ms&outage_timeouts=2" }) { cache, redis ->
            cache.set("k", "v") shouldBe true
            val before = commandCalls(redis, "get")
            redis.freeze()
            try {
                // Two timeouts open the breaker; the next 100 reads answer as misses without being sent.
                repeat(102) { cache.get<String>("k") shouldBe null }
            } finally {
                redis.thaw()
            }
            awaitTrue { cache.ping() }
            cache.get<String>("k") shouldBe "v"
            // The two timed-out GETs ran when Redis resumed, then the one after recovery: nothing else.
            commandCalls(redis, "get") - before shouldBe 3
        }
    }

    test("a lock whose SET NX timed out on a frozen Redis is released once Redis runs it") {
        onRedis({ redis -> redis.url + "?socket_timeout=200ms" }) { cache, redis ->
            cache.ping() shouldBe true
            redis.freeze()
            val error =
                try {
                    shouldThrow<BackendUnavailableError> { cache.lock("job", 1.minutes) { "ran unlocked" } }
                } finally {
                    redis.thaw()
                }
            error.shouldBeOurs()
            // The SET NX ran after the thaw, and the release sent after it removed the lock.
            awaitTrue { raw(redis) { it.exists("job").await() } == 0L }
            cache.lock("job", 1.minutes, wait = false) { "ran" } shouldBe "ran"
        }
    }

    test("outage policies: locks fail closed by default, LOCAL excludes in-process, FAIL_OPEN runs unlocked") {
        onRedis({ redis -> redis.url + "?socket_timeout=300ms&connect_timeout=300ms" }) { cache, redis ->
            cache.ping() shouldBe true
            redis.kill()
            shouldThrow<BackendUnavailableError> { cache.lock("job", 1.minutes) { "ran" } }.shouldBeOurs()
            cache.lock("job", 1.minutes, whenUnavailable = OutagePolicy.FAIL_OPEN) { "ran" } shouldBe "ran"

            // LOCAL: a second caller of this cache waits for the first, as with a shared lock.
            val inside = CompletableDeferred<Unit>()
            val leave = CompletableDeferred<Unit>()
            val holder =
                launch {
                    cache.lock("job", 1.minutes, whenUnavailable = OutagePolicy.LOCAL) {
                        inside.complete(Unit)
                        leave.await()
                    }
                }
            inside.await()
            shouldThrow<LockedError> {
                cache.lock("job", 1.minutes, wait = false, whenUnavailable = OutagePolicy.LOCAL) { "second" }
            }
            leave.complete(Unit)
            holder.join()
            cache.lock(
                "job",
                1.minutes,
                wait = false,
                whenUnavailable = OutagePolicy.LOCAL,
            ) { "after" } shouldBe
                "after"
        }
    }

    test("outage policies: rate limits keep their limit in-process or refuse, never admit everything") {
        onRedis({ redis -> redis.url + "?socket_timeout=300ms&connect_timeout=300ms" }) { cache, redis ->
            cache.ping() shouldBe true
            redis.kill()
            val passed = AtomicInteger()
            (1..200)
                .map {
                    async {
                        runCatching {
                            cache.rateLimit(
                                limit = 40,
                                period = 1.minutes,
                                key = "api",
                            ) { passed.incrementAndGet() }
                        }
                    }
                }.awaitAll()
            passed.get() shouldBe 40
            val sliced =
                (1..20).count {
                    runCatching {
                        cache.sliceRateLimit(
                            limit = 7,
                            period = 1.minutes,
                            key = "s",
                        ) { it }
                    }.isSuccess
                }
            sliced shouldBe 7
            val buckets = (1..20).count { runCatching { cache.tokenBucket(5, 1.minutes, "tb") { it } }.isSuccess }
            buckets shouldBe 5
            shouldThrow<RateLimitError> {
                cache.tokenBucket(5, 1.minutes, "tb2", whenUnavailable = OutagePolicy.FAIL_CLOSED) { "admitted" }
            }.retryAfter shouldBe null
            shouldThrow<RateLimitError> {
                cache.rateLimit(
                    limit = 40,
                    period = 1.minutes,
                    key = "other",
                    whenUnavailable = OutagePolicy.FAIL_CLOSED,
                ) {
                    "admitted"
                }
            }
            shouldThrow<IllegalArgumentException> {
                cache.rateLimit(
                    limit = 40,
                    period = 1.minutes,
                    key = "x",
                    whenUnavailable = OutagePolicy.FAIL_OPEN,
                ) { 1 }
            }.message shouldContain "unlimited"
            // A breaker keeps counting in-process: one failure at 100 % opens it.
            shouldThrow<IllegalStateException> {
                cache.circuitBreaker(100.0, 1.minutes, 1.minutes, key = "svc") { error("down") }
            }
            shouldThrow<io.cashews.CircuitBreakerOpen> {
                cache.circuitBreaker(100.0, 1.minutes, 1.minutes, key = "svc") { "closed" }
            }
        }
    }

    test("a data error names the key and the command, and is never suppressed") {
        onRedis { cache, redis ->
            raw(redis) { it.sadd("a-set", "member").await() }
            val error = shouldThrow<BackendCommandError> { cache.get<String>("a-set") }
            error.key shouldBe "a-set"
            error.command shouldBe "GET"
            error.message shouldContain "WRONGTYPE"
            error.shouldBeOurs()
        }
    }

    test("a wrong password, an unknown ACL user and a missing database are configuration errors, not outages") {
        RedisProcess.start("--requirepass", "right-pass-123").use { redis ->
            runBlocking(Dispatchers.Default) {
                val cases =
                    mapOf(
                        "redis://:wrong-pass-456@127.0.0.1:${redis.port}" to "WRONGPASS",
                        "redis://nobody:wrong-pass-456@127.0.0.1:${redis.port}" to "WRONGPASS",
                        "redis://:right-pass-123@127.0.0.1:${redis.port}/99" to "DB index is out of range",
                    )
                for ((url, words) in cases) {
                    val cache = Cache(url)
                    try {
                        val first = shouldThrow<BackendConfigurationError> { cache.get<String>("k") }
                        first.message shouldContain words
                        first.message shouldNotContain "pass-"
                        first.shouldBeOurs()
                        // Failing fast: strategies see it too, rather than running uncached in silence.
                        shouldThrow<BackendConfigurationError> { cache.cached(1.minutes, key = "k") { "v" } }
                    } finally {
                        cache.close()
                    }
                }
            }
        }
    }

    test("rediss:// against a plaintext server is a configuration error naming TLS") {
        val plaintextAsTls: (RedisProcess) -> String = {
            "rediss://127.0.0.1:${it.port}?ssl_check_hostname=false&socket_timeout=1s"
        }
        onRedis(plaintextAsTls) { cache, _ ->
            val error = shouldThrow<BackendConfigurationError> { cache.get<String>("k") }
            error.message shouldContain "TLS"
            error.shouldBeOurs()
        }
    }

    test("a malformed port is a SetupError, and no setup error or log line quotes a password or a secret") {
        shouldThrow<SetupError> { Cache("redis://127.0.0.1:abc") }.message shouldContain "'abc'"
        shouldThrow<SetupError> { Cache("redis://127.0.0.1:70000") }.message shouldContain "70000"
        val leaks =
            listOf(
                "redis://app:hunter2-pw@127.0.0.1:abc?secret=topsecret-1",
                "redis://:hunter2-pw@127.0.0.1:6379?secret=topsecret-1&bogus=1",
                "redis://:hunter2-pw@127.0.0.1:6379?secret=topsecret-1&socket_timeout=abc",
                "mem://?secret=topsecret-1&bogus=1",
                "nosuch://:hunter2-pw@host?secret=topsecret-1",
                "redis-cluster://:hunter2-pw@127.0.0.1:6379/3?secret=topsecret-1",
            ).map { url -> shouldThrow<CacheError> { Cache(url) }.message.orEmpty() }
        for (message in leaks) {
            message shouldNotContain "hunter2"
            message shouldNotContain "topsecret"
        }
    }
})

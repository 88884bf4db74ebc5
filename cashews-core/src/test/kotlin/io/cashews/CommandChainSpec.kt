package io.cashews

import io.cashews.internal.route.capability
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import org.slf4j.event.Level
import org.slf4j.helpers.AbstractLogger
import org.slf4j.helpers.MessageFormatter
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.minutes

/** Records the order interceptors see a command in and its answer in. */
private class Tracing(
    private val name: String,
    private val trace: MutableList<String>,
) : CacheInterceptor {
    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
        trace += "$name> ${chain.command}"
        val result = chain.proceed(chain.command)
        trace += "$name< $result"
        return result
    }
}

/** A logger that keeps what was logged at DEBUG. */
private class RecordingLogger : AbstractLogger() {
    val lines = CopyOnWriteArrayList<String>()

    init {
        name = "test"
    }

    override fun isTraceEnabled() = false

    override fun isTraceEnabled(marker: org.slf4j.Marker?) = false

    override fun isDebugEnabled() = true

    override fun isDebugEnabled(marker: org.slf4j.Marker?) = true

    override fun isInfoEnabled() = true

    override fun isInfoEnabled(marker: org.slf4j.Marker?) = true

    override fun isWarnEnabled() = true

    override fun isWarnEnabled(marker: org.slf4j.Marker?) = true

    override fun isErrorEnabled() = true

    override fun isErrorEnabled(marker: org.slf4j.Marker?) = true

    override fun getFullyQualifiedCallerName(): String? = null

    override fun handleNormalizedLoggingCall(
        level: Level,
        marker: org.slf4j.Marker?,
        pattern: String,
        arguments: Array<out Any?>?,
        throwable: Throwable?,
    ) {
        lines += MessageFormatter.basicArrayFormat(pattern, arguments)
    }
}

class CommandChainSpec : FunSpec({
    test("cache-wide interceptors run first in the order added, then the backend's own; answers travel back") {
        runTest {
            val trace = mutableListOf<String>()
            val cache = Cache()
            cache.setup("mem://", interceptors = listOf(Tracing("b1", trace), Tracing("b2", trace)))
            cache.addInterceptor(Tracing("g1", trace))
            cache.addInterceptor(Tracing("g2", trace))
            cache.set("k", "v")
            trace shouldContainExactly
                listOf(
                    "g1> SET k",
                    "g2> SET k",
                    "b1> SET k",
                    "b2> SET k",
                    "b2< true",
                    "b1< true",
                    "g2< true",
                    "g1< true",
                )
        }
    }

    test("an interceptor can answer without the backend, and a backend without interceptors is called directly") {
        runTest {
            val cache = Cache("mem://")
            val route = cache.route("k")
            route.pipeline shouldBeSameInstanceAs route.backend
            val constant =
                object : CacheInterceptor {
                    @Suppress("UNCHECKED_CAST")
                    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R =
                        if (chain.command is CacheCommand.Get) "from interceptor" as R else chain.proceed(chain.command)
                }
            cache.addInterceptor(constant)
            cache.get<String>("k") shouldBe "from interceptor"
            cache.removeInterceptor(constant) shouldBe true
            cache.get<String>("k") shouldBe null
            // Direct again, with the allocation-free hit path back.
            cache.route("k").pipeline shouldBeSameInstanceAs route.backend
            cache.route("k").local shouldBeSameInstanceAs route.backend
        }
    }

    test("AddPrefix stores keys behind the prefix and hides it from every command") {
        runTest {
            val backend = MemoryBackend()
            val cache = Cache()
            cache.setup(backend, interceptors = listOf(AddPrefix("v2:")))
            cache.set("user:1", "ann")
            cache.setMany(mapOf("user:2" to "bob", "team:1" to "a"))
            cache.incr("hits") shouldBe 1
            backend.scan("*").toList() shouldContainExactlyInAnyOrder
                listOf("v2:user:1", "v2:user:2", "v2:team:1", "v2:hits")
            cache.get<String>("user:1") shouldBe "ann"
            cache.getMany<String>(listOf("user:1", "user:2", "user:3")) shouldBe listOf("ann", "bob", null)
            cache.scan("user:*").toList() shouldContainExactlyInAnyOrder listOf("user:1", "user:2")
            cache.getMatch<String>("user:*").toList() shouldContainExactlyInAnyOrder
                listOf("user:1" to "ann", "user:2" to "bob")
            cache.deleteMatch("user:*") shouldBe 2
            cache.exists("team:1") shouldBe true
            backend.exists("team:1") shouldBe false
        }
    }

    test("AddPrefix keeps signed values readable in byte mode") {
        runTest {
            val backend = MemoryBackend()
            val cache = Cache()
            cache.setup(backend, params = mapOf("secret" to "s3cr3t"), interceptors = listOf(AddPrefix("app:")))
            cache.set("k", listOf(1, 2), ttl = 1.minutes)
            cache.get<List<Int>>("k") shouldBe listOf(1, 2)
            (backend.get("app:k") is ByteArray) shouldBe true
        }
    }

    test("AllKeysLower makes keys that differ in case one entry") {
        runTest {
            val cache = Cache()
            cache.setup("mem://", interceptors = listOf(AllKeysLower()))
            cache.set("User:1", "ann")
            cache.get<String>("user:1") shouldBe "ann"
            cache.get<String>("USER:1") shouldBe "ann"
            cache.scan("USER:*").toList() shouldBe listOf("user:1")
        }
    }

    test("MemoryLimit skips values outside its bounds by encoded bytes, and strategies still return them") {
        runTest {
            // The encoded sizes, envelope included, as an unlimited byte-mode cache stores them.
            val sizes = Cache("mem://?codec=json")
            sizes.set("v", "v".repeat(11))
            val fits = sizes.sizeOf("v")
            val cache = Cache()
            cache.setup("mem://?codec=json", interceptors = listOf(MemoryLimit(minBytes = fits, maxBytes = fits + 20)))
            cache.set("tiny", "v") shouldBe false
            cache.set("fits", "v".repeat(11)) shouldBe true
            cache.set("huge", "v".repeat(80)) shouldBe false
            cache.get<String>("fits") shouldBe "v".repeat(11)
            cache.get<String>("huge") shouldBe null
            cache.setMany(mapOf("a" to "v", "b" to "w".repeat(20)))
            cache.getMany<String>(listOf("a", "b")) shouldBe listOf(null, "w".repeat(20))
            var loads = 0
            repeat(2) {
                cache.cached<String>(1.minutes, key = "big") {
                    loads++
                    "x".repeat(100)
                } shouldBe "x".repeat(100)
            }
            loads shouldBe 2
        }
    }

    test("MemoryLimit measures strings in an object backend and lets unknown objects pass") {
        runTest {
            val cache = Cache()
            cache.setup("mem://", interceptors = listOf(MemoryLimit(maxBytes = 4)))
            cache.set("ascii", "abcd") shouldBe true
            cache.set("utf8", "ééé") shouldBe false // 6 bytes
            cache.set("object", listOf("a".repeat(100))) shouldBe true
            shouldThrow<IllegalArgumentException> { MemoryLimit(minBytes = 5, maxBytes = 4) }.message shouldContain
                "minBytes"
        }
    }

    test("LoggingInterceptor logs each command with its keys and answer shape, never a value") {
        runTest {
            val logger = RecordingLogger()
            val cache = Cache()
            cache.setup("mem://", interceptors = listOf(LoggingInterceptor(logger)))
            cache.set("user:1", "secret-value")
            cache.get<String>("user:1")
            cache.get<String>("user:2")
            logger.lines.size shouldBe 3
            logger.lines[0] shouldContain "SET user:1 on '' -> true"
            logger.lines[1] shouldContain "GET user:1 on '' -> hit"
            logger.lines[2] shouldContain "GET user:2 on '' -> miss"
            logger.lines.none { "secret-value" in it } shouldBe true
        }
    }

    test("a capability the backend lacks fails with UnsupportedCommandError through the chain") {
        runTest {
            val plain = object : Backend by MemoryBackend() {}
            val cache = Cache()
            cache.setup(plain, interceptors = listOf(AllKeysLower()))
            shouldThrow<UnsupportedCommandError> { cache.setLock("l", "t", 1.minutes) }.message shouldContain
                "LockBackend"
        }
    }
})

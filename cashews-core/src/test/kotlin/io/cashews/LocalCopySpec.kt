package io.cashews

import io.cashews.test.ForwardingBackend
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.Serializable
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.hours

@Serializable
private data class Account(
    val id: Long,
    val name: String,
)

/** A byte backend (memory underneath) that holds the local copies a test asks it to, and counts remote reads. */
private class CopyingBackend(
    private val inner: MemoryBackend = MemoryBackend(checkInterval = null),
) : ForwardingBackend(inner) {
    val copies = ConcurrentHashMap<String, LocalCopy>()
    val reads = AtomicInteger()

    override val storesObjects: Boolean get() = false

    override suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R {
        if (command == Command.GET) reads.incrementAndGet()
        if (command == Command.SET) copies.remove(key)
        return call()
    }

    override fun localCopy(key: String): LocalCopy? = copies[key]

    /** Takes a copy of what is stored at [key] now, or [LocalCopy.MISSING]. */
    fun copy(key: String) {
        copies[key] = (inner.getNow(key) as ByteArray?)?.let(::LocalCopy) ?: LocalCopy.MISSING
    }
}

/** The JSON codec, counting its decodes. */
private class CountingCodec : ValueCodec by KotlinxCodec.Json {
    val decodes = AtomicInteger()

    override fun decode(bytes: ByteArray, type: ValueType): Any? =
        KotlinxCodec.Json.decode(bytes, type).also { decodes.incrementAndGet() }
}

class LocalCopySpec : FunSpec({
    test("a local copy is read without the backend and decoded once for all its readers") {
        runTest {
            val backend = CopyingBackend()
            val codec = CountingCodec()
            val cache = Cache().apply { setup(backend, codec = codec) }
            val ann = Account(1, "Ann")
            cache.set("account", ann)
            backend.copy("account")
            repeat(100) {
                cache.get<Account>("account") shouldBe ann
                cache.cached(1.hours, "account", prefix = "") { Account(2, "loaded") } shouldBe ann
            }
            backend.reads.get() shouldBe 0
            codec.decodes.get() shouldBe 1
        }
    }

    test("a copy read as another type is decoded for that type: a miss, never the other type's value") {
        runTest {
            val backend = CopyingBackend()
            val cache = Cache().apply { setup(backend) }
            cache.set("account", Account(1, "Ann"))
            backend.copy("account")
            cache.get<Account>("account") shouldBe Account(1, "Ann")
            cache.get<String>("account") shouldBe null
            cache.get<Account>("account") shouldBe Account(1, "Ann")
        }
    }

    test("a copy of an absent key is a miss: strategies load and store, which drops the copy") {
        runTest {
            val backend = CopyingBackend()
            val cache = Cache().apply { setup(backend) }
            cache.set("other", 0) // copies are read once the backend is initialised, by its first command
            backend.copy("account")
            cache.get<Account>("account") shouldBe null
            backend.reads.get() shouldBe 0
            cache.cached(1.hours, "account", prefix = "") { Account(3, "loaded") } shouldBe Account(3, "loaded")
            backend.localCopy("account") shouldBe null
            cache.get<Account>("account") shouldBe Account(3, "loaded")
        }
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import java.io.Serializable as JavaSerializable

/** The writer's shape of a class. */
@Serializable
@SerialName("Account")
private data class AccountV1(val id: Long, val name: String)

/** The same class after a field was renamed. */
@Serializable
@SerialName("Account")
private data class AccountV2(val id: Long, val fullName: String)

private data class JavaPoint(val x: Int, val y: Int) : JavaSerializable

private class NotSerializableAtAll(val x: Int)

class CodecSpec : FunSpec({
    /** Two caches over one store: [writer] and [reader] set up with their own options, as two services would be. */
    fun pair(writerParams: Map<String, Any?>, readerParams: Map<String, Any?>): Pair<Cache, Cache> {
        val store = MemoryBackend()
        val writer = Cache().apply { setup(store, params = writerParams) }
        val reader = Cache().apply { setup(store, params = readerParams) }
        return writer to reader
    }

    val signed = mapOf("secret" to "s3cr3t")

    test("JSON is the default byte codec and its stored form is documented text") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            cache.set("a", AccountV1(1, "ann"))
            (cache.getRaw("a") as ByteArray).decodeToString() shouldStartWith "cw1|json|"
            (cache.getRaw("a") as ByteArray).decodeToString() shouldContain """{"id":1,"name":"ann"}"""
            cache.get<AccountV1>("a") shouldBe AccountV1(1, "ann")
        }
    }

    test("integers are stored as plain decimal text, negative ones included") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = signed) }
            cache.set("n", -42)
            (cache.getRaw("n") as ByteArray).decodeToString() shouldBe "-42"
            cache.get<Int>("n") shouldBe -42
            cache.get<Long>("n") shouldBe -42L
            cache.get<String>("n") shouldBe null
            cache.incr("n", 2) shouldBe -40
            (cache.getRaw("n") as ByteArray).decodeToString() shouldBe "-40"
        }
    }

    test("a tampered signed value raises UnsecureDataError") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = signed) }
            cache.set("k", "hello")
            val stored = (cache.getRaw("k") as ByteArray).decodeToString()
            stored shouldStartWith "md5:"
            cache.setRaw("k", stored.replace("hello", "HELLO").encodeToByteArray())
            shouldThrow<UnsecureDataError> { cache.get<String>("k") }.message shouldContain "'k'"
            shouldThrow<UnsecureDataError> { cache.getMany<String>(listOf("k")) }
        }
    }

    test("a signed value copied to another key is rejected") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = signed) }
            cache.set("a", "secret data")
            cache.setRaw("b", cache.getRaw("a")!!)
            shouldThrow<UnsecureDataError> { cache.get<String>("b") }
        }
    }

    test("on_tampered=miss turns a bad signature into a miss") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = signed + ("on_tampered" to "miss")) }
            cache.setRaw("k", "md5:0000_cw1|json|x|none|\"forged\"".encodeToByteArray())
            cache.get<String>("k") shouldBe null
        }
    }

    test("an unknown digest in a signed value is an UnsecureDataError") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = signed) }
            cache.setRaw("k", "crc:1234_cw1|json|x|none|1".encodeToByteArray())
            shouldThrow<UnsecureDataError> { cache.get<String>("k") }.message shouldContain "'crc'"
        }
    }

    test("an unsigned value where a signature is required reads as a miss") {
        runTest {
            val (writer, reader) = pair(mapOf("codec" to "json"), signed)
            writer.set("k", "unsigned")
            reader.get<String>("k") shouldBe null
        }
    }

    test("a signed value read without the secret is a miss") {
        runTest {
            val (writer, reader) = pair(signed, mapOf("codec" to "json"))
            writer.set("k", "signed")
            reader.get<String>("k") shouldBe null
        }
    }

    test("the digest recorded in the value wins, so digests can change") {
        runTest {
            val (writer, reader) = pair(signed + ("digestmod" to "sha1"), signed + ("digestmod" to "sha256"))
            writer.set("k", "v")
            reader.get<String>("k") shouldBe "v"
        }
    }

    test("compression recorded in the value is honoured by readers with other settings") {
        runTest {
            val (writer, reader) = pair(mapOf("compress_type" to "gzip"), mapOf("compress_type" to "deflate"))
            val big = "x".repeat(10_000)
            writer.set("k", big)
            (writer.getRaw("k") as ByteArray).size shouldBeLessThan 200
            reader.get<String>("k") shouldBe big
        }
    }

    test("garbage and truncated bytes read as misses, never as wrong values") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            cache.set("k", AccountV1(7, "x"))
            val stored = cache.getRaw("k") as ByteArray
            for (bad in listOf(
                byteArrayOf(),
                "nopickledata".encodeToByteArray(),
                stored.copyOf(stored.size - 3),
                stored.copyOf(6),
            )) {
                cache.setRaw("k", bad)
                cache.get<AccountV1>("k") shouldBe null
            }
        }
    }

    test("a value written by another shape of the class reads as a miss") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            cache.set("acc", AccountV1(1, "ann"))
            cache.get<AccountV2>("acc") shouldBe null
            cache.get<AccountV1>("acc") shouldBe AccountV1(1, "ann")
        }
    }

    test("check_schema=false leaves compatibility to the codec") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json", "check_schema" to "off")) }
            cache.set("list", listOf(1, 2))
            cache.get<List<Long>>("list") shouldBe listOf(1L, 2L)
        }
    }

    test("a value written by another codec is a miss") {
        runTest {
            val (writer, reader) = pair(mapOf("codec" to "cbor"), mapOf("codec" to "json"))
            writer.set("k", "v")
            reader.get<String>("k") shouldBe null
        }
    }

    test("CBOR and ProtoBuf round-trip classes") {
        runTest {
            for (codec in listOf("cbor", "protobuf")) {
                val cache = Cache().apply { setup("mem://", params = mapOf("codec" to codec)) }
                cache.set("a", AccountV1(3, "cbor"))
                cache.get<AccountV1>("a") shouldBe AccountV1(3, "cbor")
            }
        }
    }

    test("the java codec stores Serializable classes and refuses others with a typed error") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "java") + signed) }
            cache.set("p", JavaPoint(1, 2))
            cache.get<JavaPoint>("p") shouldBe JavaPoint(1, 2)
            shouldThrow<CodecError> { cache.set("q", NotSerializableAtAll(1)) }.message shouldContain
                "NotSerializableAtAll"
        }
    }

    test("a class without a serializer fails with a CodecError naming it") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            shouldThrow<CodecError> { cache.set("q", NotSerializableAtAll(1)) }.message shouldContain
                "NotSerializableAtAll"
            cache.exists("q") shouldBe false
        }
    }

    test("a custom codec plugs in through setup") {
        runTest {
            val upper =
                object : ValueCodec {
                    override val name = "upper"

                    override fun encode(value: Any?, type: ValueType) =
                        (value as String)
                            .uppercase()
                            .encodeToByteArray()

                    override fun decode(bytes: ByteArray, type: ValueType): Any? = bytes.decodeToString()

                    override fun fingerprint(type: ValueType) = type.javaClass.name
                }
            val cache = Cache().apply { setup("mem://", codec = upper) }
            cache.set("k", "quiet")
            cache.get<String>("k") shouldBe "QUIET"
            shouldThrow<SetupError> { Cache().setup("mem://?codec=json", codec = upper) }
        }
    }

    test("object mode reads a value of another type as a miss, and numbers convert when they fit") {
        runTest {
            val cache = Cache("mem://")
            cache.set("s", "text")
            cache.get<Int>("s") shouldBe null
            cache.incr("n", 5)
            cache.get<Int>("n") shouldBe 5
            cache.get<Long>("n") shouldBe 5L
            cache.set("big", Long.MAX_VALUE)
            cache.get<Int>("big") shouldBe null
        }
    }
})

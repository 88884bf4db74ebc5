package io.cashews.spring

import io.cashews.Cache
import io.cashews.CodecError
import io.cashews.JavaCache
import io.cashews.ValueType
import io.cashews.jackson.JacksonCodec
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import org.springframework.cache.support.NullValue
import java.time.Instant

data class Shipment(
    val id: Long,
    val at: Instant,
    val tags: List<String>,
)

data class Parcel(
    val weight: Int,
)

/** Values read without a declared type come back as the classes they were written as, when trusted. */
class TypedValueCodecSpec : FunSpec({
    val codec = TypedValueCodec(JacksonCodec(), listOf("io.cashews.spring"))
    val any = ValueType.of(Any::class.java)

    fun roundTrip(value: Any): Any? = codec.decode(codec.encode(value, any), any)

    test("a record-like class, lists and maps of them, and java types keep their classes") {
        val shipment = Shipment(1, Instant.parse("2026-12-03T00:00:00Z"), listOf("fragile"))
        roundTrip(shipment) shouldBe shipment
        roundTrip(listOf(shipment, shipment.copy(id = 2))) shouldBe listOf(shipment, shipment.copy(id = 2))
        (roundTrip(listOf(shipment)) as List<*>).single()!!::class shouldBe Shipment::class
        roundTrip(mapOf("a" to listOf(shipment))) shouldBe mapOf("a" to listOf(shipment))
        roundTrip(42L) shouldBe 42L
        roundTrip("text") shouldBe "text"
        roundTrip(Instant.EPOCH) shouldBe Instant.EPOCH
        roundTrip(emptyList<Any>()) shouldBe emptyList<Any>()
        roundTrip(NullValue.INSTANCE) shouldBe NullValue.INSTANCE
    }

    test("a class outside the trusted packages is refused, not instantiated") {
        val stranger = TypedValueCodec(JacksonCodec(), listOf("com.example"))
        val bytes = codec.encode(Parcel(3), any)
        shouldThrow<CodecError> { stranger.decode(bytes, any) }.message shouldContain "io.cashews.spring.Parcel"
        val forged = "java.lang.ProcessBuilder|x\n{}".encodeToByteArray()
        shouldThrow<CodecError> { codec.decode(forged, any) }
    }

    test("a collection of several classes cannot be typed, and says so") {
        shouldThrow<CodecError> { codec.encode(listOf(Parcel(1), "text"), any) }.message shouldContain "both"
    }

    test("a declared type passes straight to the delegate") {
        val typed = ValueType.of(Parcel::class.java)
        codec.encode(Parcel(2), typed).decodeToString() shouldBe """{"weight":2}"""
        codec.decode(codec.encode(Parcel(2), typed), typed) shouldBe Parcel(2)
    }

    test("on a byte backend, a value stored by Spring's cache reads as its class; damaged bytes read as a miss") {
        val cache = Cache()
        cache.setup("mem://?secret=s3cret", codec = codec)
        val jc = JavaCache.of(cache)
        jc.set("parcel", Parcel(5), any, null, io.cashews.SetCondition.ALWAYS, emptyList()).join()
        jc.get("parcel", Any::class.java).join() shouldBe Parcel(5)
        jc.setRaw("parcel", "cw1|jackson|x|none|garbage".encodeToByteArray(), null).join()
        jc.get("parcel", Any::class.java).join() shouldBe null
        cache.close()
    }
})

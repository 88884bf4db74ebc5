package io.cashews

import io.cashews.internal.value.fingerprintOf
import kotlinx.serialization.BinaryFormat
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerialFormat
import kotlinx.serialization.SerializationException
import kotlinx.serialization.StringFormat
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.json.Json
import kotlinx.serialization.serializer
import java.util.concurrent.ConcurrentHashMap

/**
 * A [ValueCodec] over a kotlinx.serialization format. Works for `@Serializable` classes, primitives, strings and
 * collections of them, with generics and nullability taken from the caller's Kotlin type.
 */
public class KotlinxCodec(
    override val name: String,
    private val format: SerialFormat,
) : ValueCodec {
    init {
        require(format is StringFormat || format is BinaryFormat) {
            "format ${format::class.simpleName} is neither a StringFormat nor a BinaryFormat"
        }
        require(
            name.isNotEmpty() && name.all { it.isLetterOrDigit() },
        ) { "codec name '$name' must be letters and digits" }
    }

    private val serializers = ConcurrentHashMap<ValueType, KSerializer<Any?>>()
    private val fingerprints = ConcurrentHashMap<ValueType, String>()

    override fun encode(value: Any?, type: ValueType): ByteArray {
        val serializer = serializerFor(type)
        return try {
            when (format) {
                is StringFormat -> format.encodeToString(serializer, value).encodeToByteArray()
                else -> (format as BinaryFormat).encodeToByteArray(serializer, value)
            }
        } catch (e: SerializationException) {
            throw CodecError("codec '$name' cannot encode a value of type $type: ${e.message}", e)
        }
    }

    override fun decode(bytes: ByteArray, type: ValueType): Any? {
        val serializer = serializerFor(type)
        return when (format) {
            is StringFormat -> format.decodeFromString(serializer, bytes.decodeToString())
            else -> (format as BinaryFormat).decodeFromByteArray(serializer, bytes)
        }
    }

    /** [decode] of `bytes[from, bytes.size)`: a text format reads the slice where it lies, without a copy. */
    internal fun decodeFrom(bytes: ByteArray, from: Int, type: ValueType): Any? {
        if (format !is StringFormat) return decode(bytes.copyOfRange(from, bytes.size), type)
        if (format is Json && type.javaClass == String::class.java) plainJsonString(bytes, from)?.let { return it }
        return format.decodeFromString(serializerFor(type), bytes.decodeToString(from, bytes.size))
    }

    override fun fingerprint(type: ValueType): String =
        fingerprints.getOrPut(type) { fingerprintOf(serializerFor(type).descriptor) }

    private fun serializerFor(type: ValueType): KSerializer<Any?> =
        serializers.getOrPut(type) {
            try {
                val kotlinType = type.kotlinType

                @Suppress("UNCHECKED_CAST")
                val found =
                    if (kotlinType != null) {
                        format.serializersModule.serializer(kotlinType)
                    } else {
                        format.serializersModule.serializer(type.javaClass)
                    } as KSerializer<Any>
                // Reads are always nullable: a cached null must decode even when the reader asks for a non-null type.
                found.nullable
            } catch (e: SerializationException) {
                throw CodecError(
                    "codec '$name' has no serializer for $type: annotate it with @Serializable, " +
                        "or set up the cache with codec=java for java.io.Serializable classes",
                    e,
                )
            } catch (e: IllegalArgumentException) {
                throw CodecError("codec '$name' has no serializer for $type: ${e.message}", e)
            }
        }

    override fun toString(): String = "KotlinxCodec($name)"

    public companion object {
        /** JSON, the default: other languages can read what it writes. */
        @JvmField
        public val Json: KotlinxCodec = KotlinxCodec("json", kotlinx.serialization.json.Json)

        /** CBOR: compact binary. */
        @OptIn(ExperimentalSerializationApi::class)
        @JvmField
        public val Cbor: KotlinxCodec = KotlinxCodec("cbor", kotlinx.serialization.cbor.Cbor)

        /** Protocol Buffers (kotlinx.serialization's schema-less mapping). */
        @OptIn(ExperimentalSerializationApi::class)
        @JvmField
        public val ProtoBuf: KotlinxCodec = KotlinxCodec("protobuf", kotlinx.serialization.protobuf.ProtoBuf)
    }
}

/**
 * The text of the JSON in `bytes[from, bytes.size)` when it is a single string without escapes, as a cached string
 * usually is: exactly what the JSON parser answers for it, found by vectorised scans instead of the parser's
 * character-by-character pass. `null` for anything else (escapes, `null`, other values), which the parser then reads.
 * A quote's byte never occurs inside a multi-byte UTF-8 character, so the ends can be checked as bytes.
 */
internal fun plainJsonString(bytes: ByteArray, from: Int): String? {
    val last = bytes.size - 1
    if (last <= from || bytes[from] != QUOTE || bytes[last] != QUOTE) return null
    val text = bytes.decodeToString(from + 1, last)
    return text.takeIf { it.indexOf('"') < 0 && it.indexOf('\\') < 0 }
}

private const val QUOTE = '"'.code.toByte()

package io.cashews.jackson2

import com.fasterxml.jackson.core.JacksonException
import com.fasterxml.jackson.databind.JavaType
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.SerializationFeature
import com.fasterxml.jackson.databind.json.JsonMapper
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule
import com.fasterxml.jackson.module.kotlin.KotlinModule
import io.cashews.CodecError
import io.cashews.InternalCacheApi
import io.cashews.TypeShape
import io.cashews.ValueCodec
import io.cashews.ValueType
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap

/**
 * A [ValueCodec] over Jackson 2 (`com.fasterxml.jackson`), for applications on that line (Spring Boot 3, most
 * others): selected with `codec=jackson2`, or given to `Cache.setup` with the application's own mapper.
 *
 * It stores the same JSON as `cashews-jackson` (Jackson 3) under its own codec name, and takes the same care:
 * records, generic types and `java.time` types round-trip, decoding builds only the declared type, and the
 * [fingerprint] is the declared type's shape ([TypeShape]).
 *
 * The default mapper has the Kotlin and Java time modules and writes dates and durations as ISO-8601 text, as
 * Jackson 3 does.
 */
public class Jackson2Codec
    @JvmOverloads
    constructor(
        private val mapper: ObjectMapper = defaultMapper(),
    ) : ValueCodec {
        override val name: String = "jackson2"

        private val types = ConcurrentHashMap<ValueType, JavaType>()
        private val fingerprints = ConcurrentHashMap<ValueType, String>()

        override fun encode(value: Any?, type: ValueType): ByteArray =
            try {
                mapper.writerFor(javaType(type)).writeValueAsBytes(value)
            } catch (e: JacksonException) {
                throw CodecError("codec 'jackson2' cannot encode a value of type $type: ${e.originalMessage}", e)
            }

        override fun decode(bytes: ByteArray, type: ValueType): Any? =
            try {
                mapper.readerFor(javaType(type)).readValue<Any?>(bytes)
            } catch (e: IOException) {
                throw CodecError("codec 'jackson2' cannot decode a value of type $type: ${e.message}", e)
            }

        @OptIn(InternalCacheApi::class)
        override fun fingerprint(type: ValueType): String =
            fingerprints.computeIfAbsent(type) { TypeShape.fingerprint(it.genericType) }

        private fun javaType(type: ValueType): JavaType =
            types.computeIfAbsent(type) { mapper.typeFactory.constructType(it.genericType) }

        override fun toString(): String = "Jackson2Codec"

        private companion object {
            fun defaultMapper(): ObjectMapper =
                JsonMapper
                    .builder()
                    .addModule(KotlinModule.Builder().build())
                    .addModule(JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                    .build()
        }
    }

package io.cashews.jackson

import io.cashews.CodecError
import io.cashews.InternalCacheApi
import io.cashews.TypeShape
import io.cashews.ValueCodec
import io.cashews.ValueType
import tools.jackson.core.JacksonException
import tools.jackson.databind.JavaType
import tools.jackson.databind.ObjectMapper
import tools.jackson.databind.json.JsonMapper
import tools.jackson.module.kotlin.KotlinModule
import java.util.concurrent.ConcurrentHashMap

/**
 * A [ValueCodec] over Jackson 3 (`tools.jackson`), selected with `codec=jackson` or given to `Cache.setup` with the
 * application's own mapper (Spring Boot 4's `JsonMapper` bean, say):
 *
 * ```java
 * cache.setup("redis://localhost:6379", "", Map.of(), new JacksonCodec(jsonMapper));
 * ```
 *
 * Values are JSON, readable by any other service. Java records, classes Jackson can bind, generic types (the full
 * type of a Kotlin caller; the fields of a Java class or record) and `java.time` types round-trip. Unlike
 * `codec=java`, decoding builds only the declared type, so bytes from the network cannot instantiate arbitrary
 * classes. The [fingerprint] is the declared type's shape ([TypeShape]): renaming, adding or retyping a field turns
 * values written before into misses rather than wrong objects.
 *
 * The default mapper is `JsonMapper` with the Kotlin module, so Kotlin data classes bind too.
 */
public class JacksonCodec
    @JvmOverloads
    constructor(
        private val mapper: ObjectMapper = defaultMapper(),
    ) : ValueCodec {
        override val name: String = "jackson"

        private val types = ConcurrentHashMap<ValueType, JavaType>()
        private val fingerprints = ConcurrentHashMap<ValueType, String>()

        override fun encode(value: Any?, type: ValueType): ByteArray =
            try {
                mapper.writerFor(javaType(type)).writeValueAsBytes(value)
            } catch (e: JacksonException) {
                throw CodecError("codec 'jackson' cannot encode a value of type $type: ${e.originalMessage}", e)
            }

        override fun decode(bytes: ByteArray, type: ValueType): Any? =
            try {
                mapper.readerFor(javaType(type)).readValue<Any?>(bytes)
            } catch (e: JacksonException) {
                throw CodecError("codec 'jackson' cannot decode a value of type $type: ${e.originalMessage}", e)
            }

        @OptIn(InternalCacheApi::class)
        override fun fingerprint(type: ValueType): String =
            fingerprints.computeIfAbsent(type) { TypeShape.fingerprint(it.genericType) }

        private fun javaType(type: ValueType): JavaType =
            types.computeIfAbsent(type) { mapper.typeFactory.constructType(it.genericType) }

        override fun toString(): String = "JacksonCodec"

        private companion object {
            fun defaultMapper(): ObjectMapper = JsonMapper.builder().addModule(KotlinModule.Builder().build()).build()
        }
    }

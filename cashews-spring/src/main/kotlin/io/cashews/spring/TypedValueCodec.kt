package io.cashews.spring

import io.cashews.CodecError
import io.cashews.ValueCodec
import io.cashews.ValueType
import org.springframework.cache.support.NullValue

/**
 * A codec that keeps each value's class beside it, so that a read that declares no type (Spring's `Cache.get(key)`,
 * which passes none) decodes what was written, as the class it was written as.
 *
 * Values declared as `Object` are stored as `<type>|<fingerprint>` and a newline before [delegate]'s bytes, where the
 * type is the value's class, with the class of its elements for a collection (`java.util.ArrayList<com.example.User>`)
 * and of its keys and values for a map, so that a list of records comes back as a list of records rather than of
 * maps. (A collection whose elements are of several classes cannot be typed this way, and is refused with
 * [CodecError].) Values read with a declared type (cashews' own commands and annotations) pass straight to [delegate], as without
 * this codec. A class is decoded only when [trusted] accepts its name (always `java.lang`, `java.util`, `java.time`,
 * `java.math`, and Spring's `NullValue`): the bytes come back from the network, and a class name an attacker wrote
 * must not choose what is instantiated. A value whose class is not trusted, no longer exists or changed shape reads
 * as a miss, and is loaded again.
 *
 * The Spring Boot starter wraps the configured codec in this one, trusting the application's packages.
 */
public class TypedValueCodec
    @JvmOverloads
    constructor(
        /** The codec that writes the values themselves (`jackson` for Java classes). */
        public val delegate: ValueCodec,
        /** Packages (and their subpackages) whose classes may be decoded, such as `com.example`. */
        trustedPackages: Collection<String> = emptyList(),
        private val classLoader: ClassLoader = TypedValueCodec::class.java.classLoader,
    ) : ValueCodec {
        private val trusted: List<String> =
            (ALWAYS_TRUSTED + trustedPackages.map { it.trim().removeSuffix(".") + "." }).distinct()

        override val name: String get() = delegate.name

        override fun encode(value: Any?, type: ValueType): ByteArray {
            if (type.javaClass != Any::class.java || value == null) return delegate.encode(value, type)
            if (value === NullValue.INSTANCE) return "$NULL_VALUE|\n".encodeToByteArray()
            val written = StoredType.of(value)
            val actual = ValueType.of(written.type)
            val header = "$written|${delegate.fingerprint(actual)}\n".encodeToByteArray()
            return header + delegate.encode(value, actual)
        }

        override fun decode(bytes: ByteArray, type: ValueType): Any? {
            if (type.javaClass != Any::class.java) return delegate.decode(bytes, type)
            val end = bytes.indexOf('\n'.code.toByte())
            if (end < 0) throw CodecError("a typed value has no class header")
            val header = String(bytes, 0, end, Charsets.UTF_8)
            val written = header.substringBefore('|')
            if (written == NULL_VALUE) return NullValue.INSTANCE
            val actual = ValueType.of(StoredType.parse(written) { load(it) })
            if (header.substringAfter('|') != delegate.fingerprint(actual)) {
                throw CodecError("type $written changed shape since the value was written")
            }
            return delegate.decode(bytes.copyOfRange(end + 1, bytes.size), actual)
        }

        override fun fingerprint(type: ValueType): String = delegate.fingerprint(type)

        private fun load(className: String): Class<*> {
            if (!isTrusted(className)) {
                throw CodecError("class $className is not trusted for decoding; add its package to the trusted ones")
            }
            return Class.forName(className, false, classLoader)
        }

        /** Whether a value of the class named [className] may be decoded. */
        public fun isTrusted(className: String): Boolean = trusted.any { className.startsWith(it) }

        override fun toString(): String = "TypedValueCodec($delegate, trusted=$trusted)"

        private companion object {
            val NULL_VALUE: String = NullValue::class.java.name
            val ALWAYS_TRUSTED = listOf("java.lang.", "java.util.", "java.time.", "java.math.")
        }
    }

package io.cashews.spring

import io.cashews.CodecError
import io.cashews.spring.internal.Parameterized
import java.lang.reflect.Type

/**
 * The written form of a value's runtime type for [TypedValueCodec]: a class name, with the classes of a collection's
 * elements or a map's keys and values in angle brackets (`java.util.ArrayList<com.example.User>`), nested as deep as
 * the value is.
 */
internal class StoredType private constructor(
    val type: Type,
    private val text: String,
) {
    override fun toString(): String = text

    companion object {
        private const val MAX_DEPTH = 8
        private val OBJECT = StoredType(Any::class.java, Any::class.java.name)

        /** The type of [value] as far as its contents tell. */
        fun of(value: Any): StoredType = of(value, 0)

        private fun of(value: Any, depth: Int): StoredType {
            val raw = decodable(value)
            if (depth > MAX_DEPTH) throw CodecError("a value nested deeper than $MAX_DEPTH levels cannot be typed")
            val arguments: List<StoredType> =
                when (value) {
                    is Collection<*> -> {
                        listOfNotNull(common(value, depth, raw))
                    }

                    is Map<*, *> -> {
                        val keys = common(value.keys, depth, raw)
                        val values = common(value.values, depth, raw)
                        if (keys == null && values == null) emptyList() else listOf(keys ?: OBJECT, values ?: OBJECT)
                    }

                    else -> {
                        emptyList()
                    }
                }
            if (arguments.isEmpty()) return StoredType(raw, raw.name)
            val text = "${raw.name}<${arguments.joinToString(",")}>"
            return StoredType(Parameterized(raw, arguments.map { it.type }.toTypedArray()), text)
        }

        /**
         * The class [value] is written and read as: its own, but for collections and maps, which are written as the
         * JDK interface of their kind (codecs read those as their default implementations; an immutable or
         * Kotlin-internal collection class could not be instantiated).
         */
        private fun decodable(value: Any): Class<*> =
            when (value) {
                is java.util.SortedSet<*> -> java.util.SortedSet::class.java
                is Set<*> -> Set::class.java
                is Collection<*> -> List::class.java
                is java.util.SortedMap<*, *> -> java.util.SortedMap::class.java
                is Map<*, *> -> Map::class.java
                else -> value.javaClass
            }

        /** The one type of [elements] (`null` when empty or all `null`), refusing elements of several classes. */
        private fun common(elements: Collection<*>, depth: Int, container: Class<*>): StoredType? {
            var found: StoredType? = null
            for (element in elements) {
                if (element == null) continue
                val type = of(element, depth + 1)
                if (found == null) {
                    found = type
                } else if (found.text != type.text) {
                    throw CodecError(
                        "a ${container.name} holding both ${found.text} and ${type.text} cannot be typed for decoding",
                    )
                }
            }
            return found
        }

        /** The type written as [text], its classes resolved by [load] (which refuses untrusted ones). */
        fun parse(text: String, load: (String) -> Class<*>): Type {
            val reader = Reader(text, load)
            val type = reader.type(0)
            if (!reader.atEnd) throw CodecError("malformed stored type '$text'")
            return type
        }
    }

    private class Reader(
        private val text: String,
        private val load: (String) -> Class<*>,
    ) {
        private var at = 0
        val atEnd: Boolean get() = at == text.length

        fun type(depth: Int): Type {
            if (depth > MAX_DEPTH) throw CodecError("stored type nested too deep: '$text'")
            val start = at
            while (at < text.length && text[at] != '<' && text[at] != '>' && text[at] != ',') at++
            if (at == start) throw CodecError("malformed stored type '$text'")
            val raw = load(text.substring(start, at))
            if (at == text.length || text[at] != '<') return raw
            at++
            val arguments = mutableListOf(type(depth + 1))
            while (at < text.length && text[at] == ',') {
                at++
                arguments += type(depth + 1)
            }
            if (at == text.length || text[at] != '>') throw CodecError("malformed stored type '$text'")
            at++
            return Parameterized(raw, arguments.toTypedArray())
        }
    }
}

package io.cashews.internal.value

import io.cashews.ValueType
import java.lang.reflect.Modifier
import kotlin.reflect.KClass
import kotlin.reflect.KType

/**
 * Whether an object read from an object backend is what a typed read asked for, type arguments included. The JVM
 * erases them, so a `List<User>` is an instance of `List<String>`, and a caller would otherwise fail later with a
 * `ClassCastException` far from the read; a byte backend's decoder refuses such a value at the read. Lists, sets,
 * maps, other collections and arrays are checked element by element; other generic classes cannot be checked
 * without knowing their fields, and pass.
 */
internal object TypeConformance {
    private const val MAX_DEPTH = 8

    /**
     * Whether [found], read for [type], is what it asks for once type arguments count: always for a value that holds
     * no elements (one lookup by the value's class); for a container, decided on its elements. Small, so that it
     * inlines into every typed hit.
     */
    fun accepts(found: Any?, type: () -> ValueType): Boolean =
        found == null || !holdsElements.get(found.javaClass) || containerConforms(found, type)

    /**
     * Whether instances of a class are collections, maps or object arrays, remembered per class. Asked directly
     * (`found is Collection<*>`), a value that is none of them fails an `instanceof` against an interface, which
     * JDK 17 to 22 answer by scanning the value class's interfaces every time: 37 ns a read for a `String` or an
     * `Integer`, against 3 ns for this lookup.
     */
    private val holdsElements =
        object : ClassValue<Boolean>() {
            override fun computeValue(type: Class<*>): Boolean =
                Collection::class.java.isAssignableFrom(type) ||
                    Map::class.java.isAssignableFrom(type) ||
                    (type.isArray && !type.componentType.isPrimitive)
        }

    /**
     * Whether a value that is an instance of [type], a class known only at run time (a function handle's value
     * class), may be a container whose elements [accepts] must check: [type] is a collection, map or array class, or
     * a class that is not final (a subclass could be one). A final class such as `Long`, `String` or a data class
     * answers `false`, and its hits skip the container tests.
     */
    fun mayHoldElements(type: Class<*>): Boolean =
        Collection::class.java.isAssignableFrom(type) ||
            Map::class.java.isAssignableFrom(type) ||
            type.isArray ||
            !Modifier.isFinal(type.modifiers)

    private fun containerConforms(found: Any?, type: () -> ValueType): Boolean {
        val kotlinType = type().kotlinType ?: return true // a Java caller: no type arguments to check
        return conforms(found, kotlinType, 0)
    }

    private fun conforms(value: Any?, type: KType?, depth: Int): Boolean {
        // A star projection, a type parameter or a deep nesting: nothing more to check.
        if (type == null || depth > MAX_DEPTH) return true
        if (value == null) return type.isMarkedNullable
        val classifier = type.classifier as? KClass<*> ?: return true
        if (!classifier.javaObjectType.isInstance(value)) return false
        val arguments = type.arguments
        if (arguments.isEmpty()) return true
        return when {
            value is Map<*, *> && arguments.size == 2 -> {
                value.all { (k, v) ->
                    conforms(k, arguments[0].type, depth + 1) && conforms(v, arguments[1].type, depth + 1)
                }
            }

            value is Collection<*> && arguments.size == 1 -> {
                value.all { conforms(it, arguments[0].type, depth + 1) }
            }

            value is Array<*> && arguments.size == 1 -> {
                value.all { conforms(it, arguments[0].type, depth + 1) }
            }

            else -> {
                true
            }
        }
    }
}

/**
 * Whether a value read as [T] may be a container whose elements [TypeConformance] must check: [T] is a list, set, map
 * or array type, or a supertype of one (`Any`, `Iterable`, `Serializable`). Decided by type tests of constant sample
 * containers, which the JIT folds: a typed hit on a number, a string or a data class pays nothing for it, where type
 * tests of the value itself cost a measurable share of every in-memory hit.
 */
@PublishedApi
internal inline fun <reified T> mayHoldElements(): Boolean =
    ContainerSamples.LIST is T || ContainerSamples.SET is T || ContainerSamples.MAP is T ||
        ContainerSamples.ARRAY is T || ContainerSamples.ARRAY_LIST is T || ContainerSamples.HASH_SET is T ||
        ContainerSamples.HASH_MAP is T

/**
 * One constant object of each container kind [mayHoldElements] tests [T] against: the read-only kinds and their
 * supertypes, and the concrete classes a caller most often names (`ArrayList`, `HashSet`, `HashMap` and their linked
 * forms).
 */
@PublishedApi
internal object ContainerSamples {
    @JvmField
    @PublishedApi
    internal val LIST: Any = emptyList<Any>()

    @JvmField
    @PublishedApi
    internal val SET: Any = emptySet<Any>()

    @JvmField
    @PublishedApi
    internal val MAP: Any = emptyMap<Any, Any>()

    @JvmField
    @PublishedApi
    internal val ARRAY: Any = emptyArray<Any>()

    @JvmField
    @PublishedApi
    internal val ARRAY_LIST: Any = ArrayList<Any>(0)

    @JvmField
    @PublishedApi
    internal val HASH_SET: Any = LinkedHashSet<Any>(0)

    @JvmField
    @PublishedApi
    internal val HASH_MAP: Any = LinkedHashMap<Any, Any>(0)
}

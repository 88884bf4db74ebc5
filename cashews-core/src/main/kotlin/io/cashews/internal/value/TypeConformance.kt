package io.cashews.internal.value

import io.cashews.ValueType
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
     * no elements (a few type tests, folded by the JIT for the classes a call site sees); for a container, decided on
     * its elements. Small, so that it inlines into every typed hit.
     */
    fun accepts(found: Any?, type: () -> ValueType): Boolean =
        (found !is Collection<*> && found !is Map<*, *> && found !is Array<*>) || containerConforms(found, type)

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

package io.cashews

import java.lang.reflect.GenericArrayType
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.lang.reflect.WildcardType
import java.security.MessageDigest

/**
 * The stored shape of a Java type as reflection sees it, for codecs that map fields by name (Jackson): what a
 * [ValueCodec.fingerprint] needs to turn values of a changed class into misses.
 *
 * The shape names the type and, for a class of the application, its fields (a record's components; otherwise the
 * non-static, non-transient fields of the class and its superclasses) with their generic types, down through every
 * class they name. Classes of the JDK and of Kotlin are leaves, and so is an enum, with its constants. A class
 * reached again (a tree of nodes) is named without being walked twice.
 */
@InternalCacheApi
public object TypeShape {
    /** `SimpleName@` and 12 hex digits of a SHA-256 of [type]'s shape. */
    @JvmStatic
    public fun fingerprint(type: Type): String {
        val shape = StringBuilder()
        describe(type, shape, HashSet())
        val digest = MessageDigest.getInstance("SHA-256").digest(shape.toString().encodeToByteArray())
        val hex = digest.take(6).joinToString("") { "%02x".format(it) }
        return "${simpleName(type)}@$hex"
    }

    private fun describe(type: Type, out: StringBuilder, seen: MutableSet<Class<*>>) {
        when (type) {
            is Class<*> -> {
                describeClass(type, out, seen)
            }

            is ParameterizedType -> {
                describe(type.rawType, out, seen)
                out.append('<')
                type.actualTypeArguments.forEachIndexed { i, argument ->
                    if (i > 0) out.append(',')
                    describe(argument, out, seen)
                }
                out.append('>')
            }

            is GenericArrayType -> {
                describe(type.genericComponentType, out, seen)
                out.append("[]")
            }

            is WildcardType -> {
                out.append('?')
                type.upperBounds.forEach { describe(it, out.append(" extends "), seen) }
                type.lowerBounds.forEach { describe(it, out.append(" super "), seen) }
            }

            is TypeVariable<*> -> {
                out.append(type.name)
            }

            else -> {
                out.append(type.typeName)
            }
        }
    }

    private fun describeClass(type: Class<*>, out: StringBuilder, seen: MutableSet<Class<*>>) {
        out.append(type.name)
        when {
            type.isArray -> {
                describe(type.componentType, out.append('['), seen).also { out.append(']') }
            }

            type.isEnum -> {
                type.enumConstants.joinTo(out, ",", "{", "}")
            }

            // A leaf, or a class already being described: its name says enough.
            leaf(type) || !seen.add(type) -> {}

            else -> {
                out.append('{')
                for ((name, fieldType) in fields(type)) {
                    out.append(name).append(':')
                    describe(fieldType, out, seen)
                    out.append(';')
                }
                out.append('}')
            }
        }
    }

    private fun fields(type: Class<*>): List<Pair<String, Type>> {
        if (type.isRecord) return type.recordComponents.map { it.name to it.genericType }
        val fields = ArrayList<Pair<String, Type>>()
        var current: Class<*>? = type
        while (current != null && !leaf(current)) {
            for (field in current.declaredFields) {
                val modifiers = field.modifiers
                if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers) || field.isSynthetic) continue
                fields += field.name to field.genericType
            }
            current = current.superclass
        }
        return fields.sortedBy { it.first }
    }

    private fun leaf(type: Class<*>): Boolean {
        val name = type.name
        return type.isPrimitive || name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("kotlin.")
    }

    private fun simpleName(type: Type): String =
        when (type) {
            is Class<*> -> type.simpleName.ifEmpty { type.name }
            is ParameterizedType -> simpleName(type.rawType)
            else -> type.typeName
        }
}

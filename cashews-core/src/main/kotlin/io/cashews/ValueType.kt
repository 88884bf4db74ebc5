package io.cashews

import java.lang.reflect.Type
import kotlin.reflect.KType
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * The declared type of a cached value, as a codec needs it: the Kotlin type when the caller is Kotlin (generics and
 * nullability included), and the Java class always.
 */
public class ValueType private constructor(
    /** The erased class of the value. */
    public val javaClass: Class<*>,
    /** The full Kotlin type, or `null` when the caller is Java code. */
    public val kotlinType: KType?,
    /** The generic Java type a Java caller read from reflection ([of]), when there is one. */
    private val javaType: Type?,
) {
    /** The type of values of [javaClass], with the full Kotlin type when the caller has it. */
    public constructor(javaClass: Class<*>, kotlinType: KType? = null) : this(javaClass, kotlinType, null)

    /**
     * The full Java type, for codecs built on Java reflection (Jackson): with its generic arguments when the caller
     * is Kotlin (from [kotlinType]), else [javaClass]. (`KType.javaType` is still marked experimental; it covers
     * what `typeOf` produces, where every [kotlinType] here comes from, without kotlin-reflect.)
     */
    @OptIn(ExperimentalStdlibApi::class)
    public val genericType: Type get() = javaType ?: kotlinType?.javaType ?: javaClass

    override fun equals(other: Any?): Boolean =
        other is ValueType && other.javaClass == javaClass && other.kotlinType == kotlinType &&
            other.javaType == javaType

    override fun hashCode(): Int = (javaClass.hashCode() * 31 + kotlinType.hashCode()) * 31 + javaType.hashCode()

    override fun toString(): String = kotlinType?.toString() ?: javaType?.typeName ?: javaClass.name

    public companion object {
        /** The type of [T]. */
        public inline fun <reified T> of(): ValueType = of(typeOf<T>())

        /** The type [type]. */
        public fun of(type: KType): ValueType = ValueType(erasure(type), type)

        /** The Java class [type], for callers without Kotlin type information. */
        @JvmStatic
        public fun of(type: Class<*>): ValueType = ValueType(type, null)

        /**
         * The Java type [type] with its type arguments (`method.getGenericReturnType()`, a `List<User>`), for Java
         * callers whose codec decodes generic types (Jackson). Type variables and wildcards erase to their bounds.
         */
        @JvmStatic
        public fun of(type: Type): ValueType {
            if (type is Class<*>) return of(type)
            return ValueType(erasure(type), null, type)
        }

        private fun erasure(type: Type): Class<*> =
            when (type) {
                is Class<*> -> {
                    type
                }

                is java.lang.reflect.ParameterizedType -> {
                    erasure(type.rawType)
                }

                is java.lang.reflect.GenericArrayType -> {
                    java.lang.reflect.Array
                        .newInstance(erasure(type.genericComponentType), 0)
                        .javaClass
                }

                is java.lang.reflect.TypeVariable<*> -> {
                    type.bounds.firstOrNull()?.let { erasure(it) }
                        ?: Any::class.java
                }

                is java.lang.reflect.WildcardType -> {
                    type.upperBounds.firstOrNull()?.let { erasure(it) }
                        ?: Any::class.java
                }

                else -> {
                    Any::class.java
                }
            }

        private fun erasure(type: KType): Class<*> =
            (type.classifier as? kotlin.reflect.KClass<*>)?.javaObjectType ?: Any::class.java
    }
}

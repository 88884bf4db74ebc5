package io.cashews

import java.lang.reflect.Type
import kotlin.reflect.KType
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * The declared type of a cached value, as a codec needs it: the Kotlin type when the caller is Kotlin (generics and
 * nullability included), and the Java class always.
 */
public class ValueType(
    /** The erased class of the value. */
    public val javaClass: Class<*>,
    /** The full Kotlin type, or `null` when the caller is Java code. */
    public val kotlinType: KType? = null,
) {
    /**
     * The full Java type, for codecs built on Java reflection (Jackson): with its generic arguments when the caller
     * is Kotlin (from [kotlinType]), else [javaClass]. (`KType.javaType` is still marked experimental; it covers
     * what `typeOf` produces, where every [kotlinType] here comes from, without kotlin-reflect.)
     */
    @OptIn(ExperimentalStdlibApi::class)
    public val genericType: Type get() = kotlinType?.javaType ?: javaClass

    override fun equals(other: Any?): Boolean =
        other is ValueType && other.javaClass == javaClass && other.kotlinType == kotlinType

    override fun hashCode(): Int = javaClass.hashCode() * 31 + kotlinType.hashCode()

    override fun toString(): String = kotlinType?.toString() ?: javaClass.name

    public companion object {
        /** The type of [T]. */
        public inline fun <reified T> of(): ValueType = of(typeOf<T>())

        /** The type [type]. */
        public fun of(type: KType): ValueType = ValueType(erasure(type), type)

        /** The Java class [type], for callers without Kotlin type information. */
        @JvmStatic
        public fun of(type: Class<*>): ValueType = ValueType(type, null)

        private fun erasure(type: KType): Class<*> =
            (type.classifier as? kotlin.reflect.KClass<*>)?.javaObjectType ?: Any::class.java
    }
}

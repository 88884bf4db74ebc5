package io.cashews.spring.internal

import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type

/** A generic type as reflection describes it (`List<User>`), for codecs that read [ParameterizedType]s (Jackson). */
internal class Parameterized(
    private val raw: Class<*>,
    private val arguments: Array<Type>,
) : ParameterizedType {
    override fun getRawType(): Type = raw

    override fun getActualTypeArguments(): Array<Type> = arguments.clone()

    override fun getOwnerType(): Type? = null

    override fun equals(other: Any?): Boolean =
        other is ParameterizedType && other.rawType == raw && other.ownerType == null &&
            other.actualTypeArguments.contentEquals(arguments)

    override fun hashCode(): Int = arguments.contentHashCode() xor raw.hashCode()

    override fun toString(): String = "${raw.name}<${arguments.joinToString(", ") { it.typeName }}>"
}

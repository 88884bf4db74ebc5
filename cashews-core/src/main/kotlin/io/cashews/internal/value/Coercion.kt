package io.cashews.internal.value

/** Numbers read back as the numeric class a caller asks for: what a codec or a counter stored may be wider. */
internal object Coercion {
    /** A stored number read as the numeric class [target] asks for, when it fits; otherwise `null` (a miss). */
    fun coerce(value: Any, target: Class<*>): Any? {
        if (value !is Number) return null
        val asLong = value.toLong()
        val exact = value is Long || value is Int || value is Short || value is Byte
        return when (target) {
            Long::class.javaObjectType, Long::class.javaPrimitiveType -> {
                if (exact) asLong else null
            }

            Int::class.javaObjectType, Int::class.javaPrimitiveType -> {
                if (exact && asLong in Int.MIN_VALUE..Int.MAX_VALUE) asLong.toInt() else null
            }

            Short::class.javaObjectType, Short::class.javaPrimitiveType -> {
                if (exact && asLong in Short.MIN_VALUE..Short.MAX_VALUE) asLong.toShort() else null
            }

            Byte::class.javaObjectType, Byte::class.javaPrimitiveType -> {
                if (exact && asLong in Byte.MIN_VALUE..Byte.MAX_VALUE) asLong.toByte() else null
            }

            Double::class.javaObjectType, Double::class.javaPrimitiveType -> {
                value.toDouble()
            }

            Float::class.javaObjectType, Float::class.javaPrimitiveType -> {
                value.toFloat()
            }

            else -> {
                null
            }
        }
    }
}

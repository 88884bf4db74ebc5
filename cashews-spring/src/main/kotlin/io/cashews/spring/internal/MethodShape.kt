package io.cashews.spring.internal

import io.cashews.ValueType
import org.springframework.core.KotlinDetector
import java.lang.reflect.Method
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.util.concurrent.CompletionStage
import kotlin.reflect.jvm.javaType
import kotlin.reflect.jvm.kotlinFunction

/** How an annotated method hands back its result, which decides how its calls are run. */
internal enum class ResultKind {
    /** A value, returned when the call completes (the caller's thread waits). */
    PLAIN,

    /** A `CompletableFuture` or `CompletionStage`. */
    FUTURE,

    /** A Reactor `Mono`, or a Kotlin `suspend` function, which Spring's proxies run as one. */
    MONO,

    /** A Reactor `Flux`: its elements are cached as one list. */
    FLUX,
}

/**
 * What an annotated [method] returns: its [kind], and the [valueType] of what is cached (a future's or `Mono`'s
 * element, a list of a `Flux`'s elements, a `suspend` function's declared return type), generics included.
 */
internal class MethodShape private constructor(
    val kind: ResultKind,
    val valueType: ValueType,
) {
    companion object {
        private const val MONO = "reactor.core.publisher.Mono"
        private const val FLUX = "reactor.core.publisher.Flux"

        fun of(method: Method): MethodShape {
            if (KotlinDetector.isSuspendingFunction(method)) {
                val returned = method.kotlinFunction?.returnType?.javaType ?: Any::class.java
                return MethodShape(ResultKind.MONO, ValueType.of(boxed(returned)))
            }
            val returned = method.genericReturnType
            val raw = method.returnType
            return when {
                raw == Void.TYPE -> {
                    throw IllegalArgumentException("it returns nothing to cache")
                }

                CompletionStage::class.java.isAssignableFrom(raw) -> {
                    MethodShape(ResultKind.FUTURE, ValueType.of(argument(returned)))
                }

                raw.name == MONO -> {
                    MethodShape(ResultKind.MONO, ValueType.of(argument(returned)))
                }

                raw.name == FLUX -> {
                    MethodShape(
                        ResultKind.FLUX,
                        ValueType.of(Parameterized(List::class.java, arrayOf(argument(returned)))),
                    )
                }

                else -> {
                    MethodShape(ResultKind.PLAIN, ValueType.of(boxed(returned)))
                }
            }
        }

        /** The kind alone, for methods whose result is not cached (guards, invalidation): `void` is fine there. */
        fun kindOf(method: Method): ResultKind =
            when {
                KotlinDetector.isSuspendingFunction(method) -> ResultKind.MONO
                CompletionStage::class.java.isAssignableFrom(method.returnType) -> ResultKind.FUTURE
                method.returnType.name == MONO -> ResultKind.MONO
                method.returnType.name == FLUX -> ResultKind.FLUX
                else -> ResultKind.PLAIN
            }

        private fun argument(type: Type): Type =
            (type as? ParameterizedType)?.actualTypeArguments?.firstOrNull()?.let(::boxed) ?: Any::class.java

        private fun boxed(type: Type): Type =
            if (type is Class<*> && type.isPrimitive) type.kotlin.javaObjectType else type
    }
}

package io.cashews.spring.internal

import org.aopalliance.intercept.MethodInterceptor
import org.aopalliance.intercept.MethodInvocation
import org.springframework.aop.support.AopUtils
import org.springframework.aop.support.StaticMethodMatcherPointcut
import java.lang.reflect.Method
import java.util.concurrent.ConcurrentHashMap

/**
 * The operations of annotated methods, by method, built once: when a bean is checked at startup
 * ([CashewsAnnotationChecker]) or, for a bean created before the checker, on its first call.
 */
internal class MethodOperations(
    private val factory: OperationFactory,
) {
    private val byMethod = ConcurrentHashMap<Method, Found>()

    /** A method's operation, or its absence: [ConcurrentHashMap] keeps no `null`s. */
    private class Found(
        val operation: MethodOperation?,
    )

    fun of(method: Method, targetClass: Class<*>): MethodOperation? {
        val specific = AopUtils.getMostSpecificMethod(method, targetClass)
        byMethod[specific]?.let { return it.operation }
        return byMethod.computeIfAbsent(specific) { Found(factory.operationOf(it, targetClass)) }.operation
    }
}

/** Runs the calls of annotated methods through their [MethodOperation]. */
internal class CashewsInterceptor(
    private val operations: Lazy<MethodOperations>,
) : MethodInterceptor {
    override fun invoke(invocation: MethodInvocation): Any? {
        val target = invocation.`this`?.let { AopUtils.getTargetClass(it) } ?: invocation.method.declaringClass
        val operation = operations.value.of(invocation.method, target) ?: return invocation.proceed()
        return operation.invoke(invocation)
    }
}

/** Matches the methods that carry a cashews annotation (on the target class's own method). */
internal class CashewsPointcut : StaticMethodMatcherPointcut() {
    override fun matches(method: Method, targetClass: Class<*>): Boolean {
        val specific = AopUtils.getMostSpecificMethod(method, targetClass)
        return OperationFactory.ANNOTATIONS.any {
            org.springframework.core.annotation.AnnotatedElementUtils
                .hasAnnotation(specific, it.java)
        }
    }
}

package io.cashews.spring.internal

import org.springframework.beans.factory.config.BeanPostProcessor
import org.springframework.util.ClassUtils
import org.springframework.util.ReflectionUtils

/**
 * Checks every bean's cashews annotations as the bean is created, so that a misconfigured one stops the
 * application at startup (naming the method) rather than failing its first call.
 */
internal class CashewsAnnotationChecker(
    private val operations: Lazy<MethodOperations>,
) : BeanPostProcessor {
    override fun postProcessBeforeInitialization(bean: Any, beanName: String): Any {
        val type = ClassUtils.getUserClass(bean.javaClass)
        if (type.name.startsWith("org.springframework.") || type.name.startsWith("java.")) return bean
        ReflectionUtils.doWithMethods(type) { method ->
            // Kotlin compiles an open `suspend` function's body into a static `$suspendImpl` that carries its
            // annotations too; the function itself is what the proxy intercepts.
            if (method.isBridge || method.isSynthetic || method.name.endsWith(SUSPEND_IMPL)) return@doWithMethods
            if (OperationFactory.ANNOTATIONS.any { method.isAnnotationPresent(it.java) }) {
                operations.value.of(method, type)
            }
        }
        return bean
    }

    private companion object {
        const val SUSPEND_IMPL = "\$suspendImpl"
    }
}

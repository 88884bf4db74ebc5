package io.cashews.spring

import io.cashews.JavaCache
import io.cashews.spring.internal.CashewsAnnotationChecker
import io.cashews.spring.internal.CashewsInterceptor
import io.cashews.spring.internal.CashewsPointcut
import io.cashews.spring.internal.MethodOperations
import io.cashews.spring.internal.OperationFactory
import org.springframework.aop.config.AopConfigUtils
import org.springframework.aop.support.DefaultPointcutAdvisor
import org.springframework.beans.factory.BeanFactory
import org.springframework.beans.factory.config.BeanDefinition
import org.springframework.beans.factory.support.BeanDefinitionRegistry
import org.springframework.beans.factory.support.RootBeanDefinition
import org.springframework.context.EnvironmentAware
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar
import org.springframework.core.env.Environment
import org.springframework.core.type.AnnotationMetadata

/**
 * Registers what runs the cashews annotations (imported by [EnableCashews] and by the Spring Boot starter): an
 * auto-proxy creator if there is none yet (proxying classes, as Spring Boot does by default), an advisor that runs annotated methods through their strategy on the
 * application's [JavaCache] bean, and a checker that reads each bean's annotations as it is created, so that a
 * misconfigured one fails at startup.
 */
public class CashewsAnnotationsRegistrar :
    ImportBeanDefinitionRegistrar,
    EnvironmentAware {
    private lateinit var environment: Environment

    override fun setEnvironment(environment: Environment) {
        this.environment = environment
    }

    override fun registerBeanDefinitions(metadata: AnnotationMetadata, registry: BeanDefinitionRegistry) {
        if (registry.containsBeanDefinition(ADVISOR)) return
        AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry)
        AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry)
        val beans = registry as BeanFactory
        val environment = environment
        // Built on first use, when the JavaCache bean exists: the checker runs for beans created before it.
        val operations =
            lazy {
                MethodOperations(
                    OperationFactory(beans.getBean(JavaCache::class.java), environment::resolveRequiredPlaceholders),
                )
            }
        registry.registerBeanDefinition(
            ADVISOR,
            infrastructure(DefaultPointcutAdvisor::class.java) {
                DefaultPointcutAdvisor(CashewsPointcut(), CashewsInterceptor(operations))
            },
        )
        registry.registerBeanDefinition(
            CHECKER,
            infrastructure(CashewsAnnotationChecker::class.java) { CashewsAnnotationChecker(operations) },
        )
    }

    private fun <T : Any> infrastructure(type: Class<T>, supplier: () -> T): RootBeanDefinition =
        RootBeanDefinition(type, supplier).apply { role = BeanDefinition.ROLE_INFRASTRUCTURE }

    private companion object {
        const val ADVISOR = "io.cashews.spring.annotationAdvisor"
        const val CHECKER = "io.cashews.spring.annotationChecker"
    }
}

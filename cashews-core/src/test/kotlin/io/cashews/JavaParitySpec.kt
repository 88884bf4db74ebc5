package io.cashews

import io.cashews.java.CachedBuilder
import io.cashews.java.EarlyBuilder
import io.cashews.java.FailoverBuilder
import io.cashews.java.HitBuilder
import io.cashews.java.LockedBuilder
import io.cashews.java.SoftBuilder
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import java.lang.reflect.Modifier
import kotlin.reflect.KClass
import kotlin.reflect.full.primaryConstructor

/**
 * Every parameter of every strategy policy has a setter of the same name on its Java builder, so a setting added to a
 * strategy cannot be forgotten on the Java face. Names Java reserves are mapped: `protected` is `protect`.
 */
class JavaParitySpec : FunSpec({
    val builders: Map<KClass<out StrategyPolicy>, Class<*>> =
        mapOf(
            CachedPolicy::class to CachedBuilder::class.java,
            EarlyPolicy::class to EarlyBuilder::class.java,
            SoftPolicy::class to SoftBuilder::class.java,
            FailoverPolicy::class to FailoverBuilder::class.java,
            HitPolicy::class to HitBuilder::class.java,
            LockedPolicy::class to LockedBuilder::class.java,
        )
    val javaNames = mapOf("protected" to "protect")

    test("the builders cover every strategy policy") {
        val policies = StrategyPolicy::class.sealedSubclasses.flatMap { it.sealedSubclasses.ifEmpty { listOf(it) } }
        (policies.toSet() - builders.keys).shouldBeEmpty()
    }

    for ((policy, builder) in builders) {
        test("${builder.simpleName} has a public setter for every parameter of ${policy.simpleName}") {
            val setters =
                builder.methods
                    .filter { Modifier.isPublic(it.modifiers) && it.parameterCount == 1 }
                    .map { it.name }
                    .toSet()
            val parameters = policy.primaryConstructor!!.parameters.map { it.name!! }
            val missing = parameters.map { javaNames[it] ?: it }.filter { it !in setters }
            withClue("parameters of ${policy.simpleName} without a Java setter") { missing.shouldBeEmpty() }
        }
    }
})

package io.cashews

import io.cashews.java.CachedBuilder
import io.cashews.java.CircuitBreakerBuilder
import io.cashews.java.EarlyBuilder
import io.cashews.java.FailoverBuilder
import io.cashews.java.HitBuilder
import io.cashews.java.LockedBuilder
import io.cashews.java.RateLimitBuilder
import io.cashews.java.SliceRateLimitBuilder
import io.cashews.java.SoftBuilder
import io.cashews.java.TokenBucketBuilder
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import java.lang.reflect.Modifier
import kotlin.reflect.KClass
import kotlin.reflect.full.primaryConstructor
import kotlin.reflect.jvm.kotlinFunction

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

    // The guards are functions, not policies: their optional parameters are the builders' settings, the required
    // ones the arguments of the JavaCache factory, and a refused call's `action` the last argument of `call`.
    val guards =
        mapOf(
            "rateLimit" to RateLimitBuilder::class.java,
            "sliceRateLimit" to SliceRateLimitBuilder::class.java,
            "circuitBreaker" to CircuitBreakerBuilder::class.java,
            "tokenBucket" to TokenBucketBuilder::class.java,
        )
    for ((function, builder) in guards) {
        test("${builder.simpleName} has a setter for every optional parameter of Cache.$function") {
            val facade = Class.forName("io.cashews.${function.replaceFirstChar { it.uppercase() }}Kt")
            val kotlin =
                facade.methods
                    .mapNotNull { it.kotlinFunction }
                    .single {
                        it.name == function && it.parameters.any { p -> p.name == "key" } &&
                            it.parameters.none { p -> p.name == "args" }
                    }
            val optional = kotlin.parameters.filter { it.isOptional }.map { it.name!! }
            val members = builder.methods.filter { Modifier.isPublic(it.modifiers) }
            val missing =
                optional.filter { name ->
                    if (name == "action") {
                        members.none { it.name == "call" && it.parameterCount == 3 }
                    } else {
                        members.none { it.name == name && it.parameterCount == 1 }
                    }
                }
            withClue("optional parameters of $function without a Java setting") { missing.shouldBeEmpty() }
        }
    }
})

package io.cashews.spring

import io.cashews.java.CachedBuilder
import io.cashews.java.CircuitBreakerBuilder
import io.cashews.java.EarlyBuilder
import io.cashews.java.FailoverBuilder
import io.cashews.java.HitBuilder
import io.cashews.java.LockedBuilder
import io.cashews.java.RateLimitBuilder
import io.cashews.java.SliceRateLimitBuilder
import io.cashews.java.SoftBuilder
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import java.lang.reflect.Modifier
import kotlin.reflect.KClass

/**
 * Every setting of a Java builder is an attribute of the annotation of the same strategy: read from the builders
 * by reflection, so a setting added to a builder fails this spec until its annotation has it too.
 */
class AnnotationParitySpec : FunSpec({
    /** Builder methods that do not set anything: they build, run, or read. */
    val notSettings =
        setOf(
            "build",
            "buildBlocking",
            "get",
            "getBlocking",
            "calls",
            "policy",
            "getType",
            "call",
            "callBlocking",
            "guarded",
        )

    /** Settings whose annotation form has another name, and why. */
    val renamed =
        mapOf(
            // A condition is code; annotations take it as SpEL and exception lists.
            "condition" to listOf("unless", "cacheExceptions", "exceptionTtl"),
            // A Java annotation cannot have a member named `wait`: every object has a `wait()`.
            "wait" to listOf("waitForLock"),
            // Annotated methods run on the caller's thread, with its transaction and security context.
            "loadOn" to emptyList(),
            // An annotation turns itself off by its SpEL condition, which can read configuration:
            // condition = "${shop.cache-enabled:true}" calls the method every time while it is false.
            "enabled" to listOf("condition"),
        )

    /** The arguments of the `JavaCache` factories of the guards, which the annotations take as attributes. */
    val factoryArguments =
        mapOf(
            RateLimitBuilder::class to listOf("limit", "period"),
            SliceRateLimitBuilder::class to listOf("limit", "period"),
            CircuitBreakerBuilder::class to listOf("errorsRate", "period", "ttl"),
        )

    val pairs: List<Pair<KClass<*>, KClass<out Annotation>>> =
        listOf(
            CachedBuilder::class to Cached::class,
            EarlyBuilder::class to Early::class,
            SoftBuilder::class to Soft::class,
            FailoverBuilder::class to Failover::class,
            HitBuilder::class to Hit::class,
            HitBuilder::class to Dynamic::class,
            LockedBuilder::class to Locked::class,
            RateLimitBuilder::class to RateLimit::class,
            SliceRateLimitBuilder::class to SliceRateLimit::class,
            CircuitBreakerBuilder::class to CircuitBreaker::class,
        )

    for ((builder, annotation) in pairs) {
        test("@${annotation.simpleName} has every setting of ${builder.simpleName}") {
            val settings =
                builder.java.methods
                    // Kotlin's internal members are public in the class file, with a `$module` suffix.
                    .filter {
                        Modifier.isPublic(
                            it.modifiers,
                        ) && it.declaringClass != Any::class.java && '$' !in it.name
                    }.map { it.name }
                    .filter { it !in notSettings && !it.startsWith("get") && it != "hashCode" && it != "toString" }
                    .toSet() + factoryArguments[builder].orEmpty()
            val attributes =
                annotation.java.declaredMethods
                    .map { it.name }
                    .toSet()
            val missing =
                settings.filter { setting ->
                    val wanted = renamed[setting] ?: listOf(setting)
                    !attributes.containsAll(wanted)
                }
            missing shouldBe emptyList()
        }
    }
})

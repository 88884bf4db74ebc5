package io.cashews.spring.internal

import io.cashews.CacheCondition
import io.cashews.DoorKeeper
import io.cashews.JavaCache
import io.cashews.RateLimitError
import io.cashews.Retry
import io.cashews.Ttl
import io.cashews.java.CachingBuilder
import io.cashews.java.StrategyBuilder
import io.cashews.java.StrategyCalls
import io.cashews.spring.CacheRetry
import io.cashews.spring.Cached
import io.cashews.spring.CashewsAnnotationError
import io.cashews.spring.CashewsExpressionRoot
import io.cashews.spring.CircuitBreaker
import io.cashews.spring.Dynamic
import io.cashews.spring.Early
import io.cashews.spring.Failover
import io.cashews.spring.Hit
import io.cashews.spring.Invalidate
import io.cashews.spring.Locked
import io.cashews.spring.RateLimit
import io.cashews.spring.SliceRateLimit
import io.cashews.spring.Soft
import org.aopalliance.intercept.MethodInvocation
import org.springframework.context.expression.MethodBasedEvaluationContext
import org.springframework.core.DefaultParameterNameDiscoverer
import org.springframework.core.KotlinDetector
import org.springframework.core.annotation.AnnotatedElementUtils
import org.springframework.expression.Expression
import org.springframework.expression.spel.standard.SpelExpressionParser
import org.springframework.expression.spel.support.StandardEvaluationContext
import org.springframework.util.ClassUtils
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * Reads the cashews annotation of a method into its [MethodOperation], once: every setting is checked here, so a
 * bad TTL, an unknown placeholder or an unreachable method fails when the application starts, naming the method.
 *
 * @param resolve resolves property placeholders (`${app.ttl:3h}`) in the annotations' string attributes.
 */
internal class OperationFactory(
    private val cache: JavaCache,
    private val resolve: (String) -> String,
) {
    private val discoverer = DefaultParameterNameDiscoverer()
    private val parser = SpelExpressionParser()

    /** The operation of [method] (of [targetClass]), or `null` when it carries no cashews annotation. */
    fun operationOf(method: Method, targetClass: Class<*>): MethodOperation? {
        val found = ANNOTATIONS.mapNotNull { AnnotatedElementUtils.findMergedAnnotation(method, it.java) }
        if (found.isEmpty()) return null
        val description = "@${found.first().annotationClass.simpleName} on ${describe(method)}"
        if (found.size > 1) {
            throw CashewsAnnotationError(
                "$description: a method takes one cashews annotation, it has ${found.joinToString {
                    "@" + it.annotationClass.simpleName
                }}",
            )
        }
        checkReachable(description, method, targetClass)
        return try {
            build(found.single(), method, description)
        } catch (e: CashewsAnnotationError) {
            throw e
        } catch (e: Exception) {
            throw CashewsAnnotationError("$description: ${e.message}", e)
        }
    }

    private fun build(annotation: Annotation, method: Method, description: String): MethodOperation {
        val suspending = KotlinDetector.isSuspendingFunction(method)
        val names = parameterNames(method, suspending)
        val key = { template: String -> KeyRenderer(resolve(template), method, names, discoverer) }
        val defaultKey =
            names
                .joinToString(
                    "",
                ) { ":$it:{$it}" }
                .let { "${method.declaringClass.name}.${method.name}$it" }

        fun keyOf(template: String) = key(template.ifEmpty { defaultKey })
        return when (annotation) {
            is Invalidate -> {
                require(annotation.keys.isNotEmpty() || annotation.tags.isNotEmpty()) { "it names no keys and no tags" }
                val keys = annotation.keys.map(key)
                require(!annotation.stale || keys.none { it.isPattern }) {
                    "stale = true marks single keys stale, which a glob key cannot be: ${annotation.keys.joinToString()}"
                }
                InvalidateOperation(
                    description,
                    MethodShape.kindOf(method),
                    suspending,
                    cache,
                    keys,
                    annotation.tags.map(key),
                    annotation.stale,
                )
            }

            is RateLimit -> {
                GuardOperation(
                    description,
                    MethodShape.kindOf(method),
                    suspending,
                    cache
                        .rateLimit(annotation.limit, ttl(annotation.period).toJavaDuration())
                        .ban(banOf(annotation))
                        .apply { if (annotation.prefix.isNotEmpty()) prefix(resolve(annotation.prefix)) }
                        .whenUnavailable(annotation.whenUnavailable),
                    keyOf(annotation.key),
                    action(method, annotation.action, suspending),
                )
            }

            is SliceRateLimit -> {
                GuardOperation(
                    description,
                    MethodShape.kindOf(method),
                    suspending,
                    cache
                        .sliceRateLimit(annotation.limit, ttl(annotation.period).toJavaDuration())
                        .apply { if (annotation.prefix.isNotEmpty()) prefix(resolve(annotation.prefix)) }
                        .whenUnavailable(annotation.whenUnavailable),
                    keyOf(annotation.key),
                    action(method, annotation.action, suspending),
                )
            }

            is CircuitBreaker -> {
                val open = ttl(annotation.ttl).toJavaDuration()
                GuardOperation(
                    description,
                    MethodShape.kindOf(method),
                    suspending,
                    cache
                        .circuitBreaker(annotation.errorsRate, ttl(annotation.period).toJavaDuration(), open)
                        .halfOpenTtl(optionalTtl(annotation.halfOpenTtl)?.toJavaDuration() ?: open)
                        .halfOpenCalls(annotation.halfOpenCalls)
                        .minCalls(annotation.minCalls)
                        .apply {
                            if (annotation.exceptions.isNotEmpty()) {
                                exceptions(
                                    *javaClasses(annotation.exceptions),
                                )
                            }
                        }.apply { if (annotation.prefix.isNotEmpty()) prefix(resolve(annotation.prefix)) }
                        .whenUnavailable(annotation.whenUnavailable),
                    keyOf(annotation.key),
                    null,
                )
            }

            else -> {
                strategy(annotation, method, description, suspending, keyOf(commonOf(annotation).key))
            }
        }
    }

    private fun strategy(
        annotation: Annotation,
        method: Method,
        description: String,
        suspending: Boolean,
        key: KeyRenderer,
    ): MethodOperation {
        val shape = MethodShape.of(method)
        val builder: StrategyBuilder<Any, *> =
            when (annotation) {
                is Cached -> {
                    val cached =
                        cache
                            .cached(Any::class.java)
                            .lock(annotation.lock)
                            .protect(annotation.protect)
                            .serveStale(annotation.serveStale)
                    val expiry = resolve(annotation.expiry)
                    require(listOf(annotation.ttl, annotation.ttlFrom, expiry).count { it.isNotEmpty() } <= 1) {
                        "give it one of ttl, ttlFrom and expiry"
                    }
                    if (annotation.ttlFrom.isNotEmpty()) {
                        val ttlFrom = parser.parseExpression(resolve(annotation.ttlFrom))
                        cached.ttl { value -> ttlOf(ttlFrom.getValue(resultContext(value, null))) }
                    } else if (expiry.isNotEmpty()) {
                        cached.expiry(expiry)
                    } else {
                        cached.ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                    }
                    cached
                }

                is Early -> {
                    val early =
                        cache
                            .early(Any::class.java)
                            .ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                            .protect(annotation.protect)
                    optionalTtl(annotation.earlyTtl)?.let { early.earlyTtl(it.toJavaDuration()) }
                    early
                }

                is Soft -> {
                    val soft =
                        cache
                            .soft(Any::class.java)
                            .ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                            .softTtl(requiredTtl(annotation.softTtl, "softTtl").toJavaDuration())
                            .protect(annotation.protect)
                    if (annotation.exceptions.isNotEmpty()) soft.exceptions(*javaClasses(annotation.exceptions))
                    soft
                }

                is Failover -> {
                    val failover =
                        cache
                            .failover(
                                Any::class.java,
                            ).ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                    if (annotation.exceptions.isNotEmpty()) failover.exceptions(*javaClasses(annotation.exceptions))
                    failover
                }

                is Hit -> {
                    val hit =
                        cache
                            .hit(Any::class.java)
                            .ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                            .cacheHits(annotation.cacheHits)
                            .updateAfter(annotation.updateAfter)
                            .protect(annotation.protect)
                    hit
                }

                is Dynamic -> {
                    val dynamic = cache.dynamic(Any::class.java).protect(annotation.protect)
                    optionalTtl(annotation.ttl)?.let { dynamic.ttl(it.toJavaDuration()) }
                    if (annotation.cacheHits > 0) dynamic.cacheHits(annotation.cacheHits)
                    if (annotation.updateAfter >= 0) dynamic.updateAfter(annotation.updateAfter)
                    dynamic
                }

                is Locked -> {
                    val locked =
                        cache
                            .locked(Any::class.java)
                            .ttl(requiredTtl(annotation.ttl, "ttl").toJavaDuration())
                            .wait(annotation.waitForLock)
                            .whenUnavailable(annotation.whenUnavailable)
                    optionalTtl(annotation.waitTimeout)?.let { locked.waitTimeout(it.toJavaDuration()) }
                    locked
                }

                else -> {
                    throw IllegalStateException("unknown annotation $annotation")
                }
            }
        val common = commonOf(annotation)
        if (builder is CachingBuilder<*, *>) caching(builder, common)
        common.prefix
            .let(resolve)
            .takeIf { it.isNotEmpty() }
            ?.let { builder.prefix(it) }
        resolve(common.local).takeIf { it.isNotEmpty() }?.let { builder.key(key.template).local(it) }
        // Loads run on the calling thread: where the method was called, with its thread-bound state (transactions,
        // security context), as the method would run without the annotation.
        builder.loadOn(Runnable::run)
        @Suppress("UNCHECKED_CAST")
        val calls = builder.calls(shape.valueType) as StrategyCalls<Any?>
        val condition = common.condition.takeIf { it.isNotEmpty() }?.let { parser.parseExpression(resolve(it)) }
        return StrategyOperation(description, shape.kind, suspending, calls, key, condition, ::callContext)
    }

    /** Applies the settings every caching strategy shares to [builder]. */
    private fun caching(
        builder: CachingBuilder<*, *>,
        common: Common,
    ) {
        builder.tags(common.tags.map(resolve)).jitter(common.jitter).upper(common.upper)
        require(
            common.doorKeeper >= 0,
        ) { "its doorKeeper capacity must be positive (or 0 for none), was ${common.doorKeeper}" }
        if (common.doorKeeper > 0) builder.doorKeeper(DoorKeeper(common.doorKeeper))
        if (common.resultTags.isNotEmpty()) {
            val expression = parser.parseExpression(resolve(common.resultTags))
            @Suppress("UNCHECKED_CAST")
            (builder as CachingBuilder<Any?, *>).resultTags { value ->
                tagsOf(expression.getValue(resultContext(value, null)))
            }
        }
        optionalTtl(common.timeCondition)?.let { builder.timeCondition(it.toJavaDuration()) }
        var condition = CacheCondition.Always
        if (common.unless.isNotEmpty()) {
            val expression = parser.parseExpression(resolve(common.unless))
            condition =
                CacheCondition.of<Any?> { value, key ->
                    expression.getValue(resultContext(value, key), Boolean::class.java) != true
                }
        }
        if (common.cacheExceptions.isNotEmpty()) {
            condition = condition.withExceptions(*common.cacheExceptions, ttl = optionalTtl(common.exceptionTtl))
        }
        builder.condition(condition)
        retryOf(common.retry)?.let { builder.retry(it) }
    }

    private fun retryOf(retry: CacheRetry): Retry? {
        if (retry.attempts <= 1) return null
        return Retry(
            retry.attempts,
            ttl(retry.initialDelay),
            retry.factor,
            ttl(retry.maxDelay),
            retry.jitter,
            retry.on.toSet().ifEmpty { setOf(Exception::class) },
        )
    }

    /**
     * The attributes every strategy annotation declares, read in one place: annotations cannot share a supertype,
     * so each declares them itself. Attributes an annotation does not have read as their empty defaults.
     */
    private class Common(
        val key: String,
        val prefix: String,
        val condition: String = "",
        val tags: Array<String> = emptyArray(),
        val unless: String = "",
        val cacheExceptions: Array<KClass<out Throwable>> = emptyArray(),
        val exceptionTtl: String = "",
        val timeCondition: String = "",
        val jitter: Double = 0.0,
        val upper: Boolean = false,
        val retry: CacheRetry = CacheRetry(),
        val resultTags: String = "",
        val doorKeeper: Long = 0,
        val local: String = "",
    )

    private fun commonOf(annotation: Annotation): Common =
        when (annotation) {
            is Cached -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Early -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Soft -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Failover -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Hit -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Dynamic -> {
                with(annotation) {
                    Common(
                        key,
                        prefix,
                        condition,
                        tags,
                        unless,
                        cacheExceptions,
                        exceptionTtl,
                        timeCondition,
                        jitter,
                        upper,
                        retry,
                        resultTags,
                        doorKeeper,
                        local,
                    )
                }
            }

            is Locked -> {
                Common(annotation.key, annotation.prefix, annotation.condition, local = annotation.local)
            }

            else -> {
                throw IllegalStateException("not a strategy annotation: $annotation")
            }
        }

    /** How long a rate limit bans: one period unless given, none for `"0"`. */
    private fun banOf(annotation: RateLimit): java.time.Duration? =
        when (val ban = resolve(annotation.ban)) {
            "" -> ttl(annotation.period).toJavaDuration()
            "0" -> null
            else -> Ttl.parse(ban).toJavaDuration()
        }

    /** The method of the bean answering refused calls of [method], checked now. */
    private fun action(method: Method, name: String, suspending: Boolean): Method? {
        val resolved = resolve(name)
        if (resolved.isEmpty()) return null
        val types = method.parameterTypes.toList()
        val values = if (suspending) types.dropLast(1) else types
        val wanted = values + RateLimitError::class.java + (if (suspending) listOf(types.last()) else emptyList())
        val found =
            ClassUtils.getMethodIfAvailable(method.declaringClass, resolved, *wanted.toTypedArray())
                ?: throw IllegalArgumentException(
                    "its action '$resolved' is not a method of ${method.declaringClass.simpleName} taking " +
                        "(${(values + RateLimitError::class.java).joinToString { it.simpleName }})",
                )
        require(method.returnType.isAssignableFrom(found.returnType)) {
            "its action '$resolved' returns ${found.returnType.simpleName}, not ${method.returnType.simpleName}"
        }
        found.trySetAccessible()
        return found
    }

    private fun callContext(invocation: MethodInvocation): MethodBasedEvaluationContext {
        val args = invocation.arguments
        return MethodBasedEvaluationContext(
            CashewsExpressionRoot(invocation.method, args, invocation.`this`),
            invocation.method,
            args,
            discoverer,
        )
    }

    private fun resultContext(value: Any?, key: String?): StandardEvaluationContext =
        StandardEvaluationContext().apply {
            setVariable("result", value)
            setVariable("key", key)
        }

    private fun tagsOf(value: Any?): Collection<String> =
        when (value) {
            null -> emptyList()
            is String -> listOf(value)
            is Collection<*> -> value.map { it.toString() }
            is Array<*> -> value.map { it.toString() }
            else -> throw IllegalArgumentException("resultTags gave $value, not a string or a collection of strings")
        }

    private fun ttlOf(value: Any?): java.time.Duration =
        when (value) {
            is java.time.Duration -> value
            is Duration -> value.toJavaDuration()
            is Number -> java.time.Duration.ofMillis((value.toDouble() * 1000).toLong())
            is String -> Ttl.parse(value).toJavaDuration()
            else -> throw IllegalArgumentException("ttlFrom gave $value, not a Duration, a TTL string or seconds")
        }

    private fun ttl(text: String): Duration = Ttl.parse(resolve(text))

    private fun optionalTtl(text: String): Duration? = resolve(text).takeIf { it.isNotEmpty() }?.let(Ttl::parse)

    private fun requiredTtl(text: String, name: String): Duration =
        optionalTtl(text) ?: throw IllegalArgumentException("its $name is empty")

    private fun parameterNames(method: Method, suspending: Boolean): List<String> {
        val count = method.parameterCount - if (suspending) 1 else 0
        val names = discoverer.getParameterNames(method)?.take(count)?.map { it ?: "" }
        if (names == null || names.size < count || names.any { it.isEmpty() }) {
            throw IllegalArgumentException(
                "its parameter names are not in the class file: compile with -parameters (javac) or " +
                    "-java-parameters (kotlinc)",
            )
        }
        return names
    }

    private fun checkReachable(description: String, method: Method, targetClass: Class<*>) {
        val problem =
            when {
                Modifier.isPrivate(method.modifiers) -> {
                    "the method is private"
                }

                Modifier.isStatic(method.modifiers) -> {
                    "the method is static"
                }

                Modifier.isFinal(method.modifiers) -> {
                    "the method is final (open it, or the class, for Kotlin)"
                }

                Modifier.isFinal(targetClass.modifiers) -> {
                    "the class ${targetClass.name} is final (open it, or use the Kotlin spring plugin)"
                }

                else -> {
                    null
                }
            }
        if (problem != null) {
            throw CashewsAnnotationError("$description cannot be applied: Spring's proxies cannot reach it, $problem")
        }
    }

    companion object {
        /** The annotations an [OperationFactory] reads. */
        val ANNOTATIONS: List<KClass<out Annotation>> =
            listOf(
                Cached::class,
                Early::class,
                Soft::class,
                Failover::class,
                Hit::class,
                Dynamic::class,
                Locked::class,
                RateLimit::class,
                SliceRateLimit::class,
                CircuitBreaker::class,
                Invalidate::class,
            )

        fun describe(method: Method): String =
            "${method.declaringClass.name}.${method.name}(${method.parameterTypes.joinToString(",") { it.simpleName }})"

        private fun javaClasses(classes: Array<out KClass<out Throwable>>): Array<Class<out Throwable>> =
            Array(classes.size) { classes[it].java }
    }
}

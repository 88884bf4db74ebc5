package io.cashews.spring.internal

import io.cashews.JavaCache
import io.cashews.RateLimitError
import io.cashews.java.GuardBuilder
import io.cashews.java.RateLimitGuardBuilder
import io.cashews.java.StrategyCalls
import io.cashews.spring.await
import org.aopalliance.intercept.MethodInvocation
import org.springframework.aop.ProxyMethodInvocation
import org.springframework.aop.support.AopUtils
import org.springframework.core.CoroutinesUtils
import org.springframework.expression.EvaluationContext
import org.springframework.expression.Expression
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.Supplier

/** What a cashews annotation does to a call of its method; built once per method, when the application starts. */
internal sealed class MethodOperation(
    /** The annotation and method, as messages name them (`@Cached on com.example.Users.find(long)`). */
    val description: String,
    val kind: ResultKind,
    /** Whether the last argument is a `suspend` function's continuation, which keys do not read. */
    private val suspending: Boolean,
) {
    abstract fun invoke(invocation: MethodInvocation): Any?

    /** The arguments keys read: all of them, but for a `suspend` function's continuation. */
    protected fun arguments(invocation: MethodInvocation): Array<Any?> {
        val all = invocation.arguments
        return if (suspending) all.copyOf(all.size - 1) else all
    }

    override fun toString(): String = description
}

/** A fresh, unstarted copy of [invocation]: a `Mono` may be subscribed to, and so load, more than once. */
private fun MethodInvocation.again(): MethodInvocation = (this as? ProxyMethodInvocation)?.invocableClone() ?: this

/** A caching strategy (or `locked`): the key rendered per call, the policy read once into [calls]. */
internal class StrategyOperation(
    description: String,
    kind: ResultKind,
    suspending: Boolean,
    private val calls: StrategyCalls<Any?>,
    private val key: KeyRenderer,
    private val condition: Expression?,
    private val context: (MethodInvocation) -> EvaluationContext,
) : MethodOperation(description, kind, suspending) {
    override fun invoke(invocation: MethodInvocation): Any? {
        if (condition != null && condition.getValue(context(invocation), Boolean::class.java) != true) {
            return invocation.proceed()
        }
        val args = arguments(invocation)
        val values = key.values(args, invocation.`this`)
        val key = key.render(values)
        return when (kind) {
            ResultKind.PLAIN -> {
                calls.getBlocking(key, values, Supplier { invocation.proceed() })
            }

            ResultKind.FUTURE -> {
                calls.get(key, values) { future(invocation.proceed()) }
            }

            ResultKind.MONO -> {
                ReactorResults.mono {
                    calls.get(
                        key,
                        values,
                    ) { ReactorResults.monoFuture(invocation.again().proceed()) }
                }
            }

            ResultKind.FLUX -> {
                ReactorResults.flux {
                    calls.get(
                        key,
                        values,
                    ) { ReactorResults.fluxFuture(invocation.again().proceed()) }
                }
            }
        }
    }
}

/** A rate limit or circuit breaker around each call, with an optional action answering refused calls. */
internal class GuardOperation(
    description: String,
    kind: ResultKind,
    private val suspending: Boolean,
    private val guard: GuardBuilder<*>,
    private val key: KeyRenderer,
    /** The bean's method answering a refused call, taking the arguments and the [RateLimitError]. */
    private val action: Method?,
) : MethodOperation(description, kind, suspending) {
    override fun invoke(invocation: MethodInvocation): Any? {
        val args = arguments(invocation)
        val key = key.render(args, invocation.`this`)
        val limit = guard as? RateLimitGuardBuilder<*>
        if (action == null || limit == null) {
            return when (kind) {
                ResultKind.PLAIN -> {
                    guard.callBlocking(key, Supplier { invocation.proceed() })
                }

                ResultKind.FUTURE -> {
                    guard.call(key) { future(invocation.proceed()) }
                }

                ResultKind.MONO -> {
                    ReactorResults.mono { guard.call(key) { ReactorResults.monoFuture(invocation.again().proceed()) } }
                }

                ResultKind.FLUX -> {
                    ReactorResults.flux { guard.call(key) { ReactorResults.fluxFuture(invocation.again().proceed()) } }
                }
            }
        }
        val target = invocation.`this`
        return when (kind) {
            ResultKind.PLAIN -> {
                limit.callBlocking(key, { invocation.proceed() }) { refused -> refusal(target, args, refused) }
            }

            ResultKind.FUTURE -> {
                limit.call(key, { future(invocation.proceed()) }) { refused -> future(refusal(target, args, refused)) }
            }

            ResultKind.MONO -> {
                ReactorResults.mono {
                    limit.call(key, { ReactorResults.monoFuture(invocation.again().proceed()) }) { refused ->
                        ReactorResults.monoFuture(refusal(target, args, refused))
                    }
                }
            }

            ResultKind.FLUX -> {
                ReactorResults.flux {
                    limit.call(key, { ReactorResults.fluxFuture(invocation.again().proceed()) }) { refused ->
                        ReactorResults.fluxFuture(refusal(target, args, refused))
                    }
                }
            }
        }
    }

    private fun refusal(target: Any?, args: Array<Any?>, refused: RateLimitError): Any? {
        val method = action!!
        if (suspending) return CoroutinesUtils.invokeSuspendingFunction(method, requireNotNull(target), *args, refused)
        return try {
            AopUtils.invokeJoinpointUsingReflection(target, method, arrayOf(*args, refused))
        } catch (e: InvocationTargetException) {
            throw e.targetException
        }
    }
}

/** `@Invalidate`: deletes keys, patterns and tags once the call completed normally. */
internal class InvalidateOperation(
    description: String,
    kind: ResultKind,
    suspending: Boolean,
    private val cache: JavaCache,
    private val keys: List<KeyRenderer>,
    private val tags: List<KeyRenderer>,
    private val stale: Boolean,
) : MethodOperation(description, kind, suspending) {
    override fun invoke(invocation: MethodInvocation): Any? {
        val args = arguments(invocation)
        val target = invocation.`this`
        val invalidate = { invalidate(args, target) }
        return when (kind) {
            ResultKind.PLAIN -> {
                invocation.proceed().also { await(invalidate()) }
            }

            ResultKind.FUTURE -> {
                future(invocation.proceed()).thenCompose { value -> invalidate().thenApply { value } }
            }

            ResultKind.MONO, ResultKind.FLUX -> {
                ReactorResults.then(invocation.proceed(), invalidate)
            }
        }
    }

    private fun invalidate(args: Array<Any?>, target: Any?): CompletableFuture<Void> {
        val done = mutableListOf<CompletableFuture<*>>()
        for (key in keys) {
            val rendered = key.render(args, target)
            done +=
                when {
                    key.isPattern -> cache.deleteMatch(rendered)
                    stale -> cache.markStale(rendered)
                    else -> cache.delete(rendered)
                }
        }
        if (tags.isNotEmpty()) done += cache.deleteTags(tags.map { it.render(args, target) })
        return CompletableFuture.allOf(*done.toTypedArray())
    }
}

/** The future a method returned, as the `CompletableFuture` the Java face takes. */
@Suppress("UNCHECKED_CAST")
internal fun future(returned: Any?): CompletableFuture<Any?> =
    ((returned ?: throw NullPointerException("the method returned no future")) as CompletionStage<Any?>)
        .toCompletableFuture()

package io.cashews

import io.cashews.internal.load.DerivedKey
import io.cashews.internal.load.HandleCall
import io.cashews.internal.load.RenderedTags
import io.cashews.internal.load.runPolicy
import io.cashews.internal.value.NotNow

/**
 * Runs [block] once under [policy], any strategy as a value (`cached`, `early`, `soft`, `failover`, `hit`,
 * `dynamic`, `locked`), with every setting the policy has. The key is the policy's key template rendered with [args]
 * and the current [KeyContext]; a policy without a key template derives the key from the call site and the values
 * [block] captures, as [cached] without a key does. The policy's tags are templates rendered with [args] too.
 *
 * ```
 * private val userPolicy = EarlyPolicy(10.minutes, KeyTemplate.of("user:{@tenant}:{id}"), tags = listOf("user:{id}"))
 *
 * suspend fun user(id: Long): User = cache.withPolicy(userPolicy, mapOf("id" to id)) { repo.load(id) }
 * suspend fun rates(): Rates = cache.withPolicy(SoftPolicy(10.minutes)) { api.rates() } // key derived from the block
 * ```
 *
 * A value of a placeholder missing from [args] fails with [KeyTemplateError], as does passing [args] to a policy
 * without a key template (they would render nothing). For a function called again and again, bind it once as a
 * handle ([function]): its hits skip the rendering.
 */
public suspend inline fun <reified T> Cache.withPolicy(
    policy: StrategyPolicy,
    args: Map<String, Any?> = emptyMap(),
    noinline block: suspend () -> T,
): T = policyCall(policy, args, { ValueType.of<T>() }, block)

/** The body of [withPolicy]: the key rendered or derived, then the strategy's one dispatch. */
@PublishedApi
internal suspend fun <T> Cache.policyCall(
    policy: StrategyPolicy,
    args: Map<String, Any?>,
    type: () -> ValueType,
    block: suspend () -> T,
): T {
    val template = policy.key
    val key =
        if (template != null) {
            template.renderInContext(args)
        } else {
            if (args.isNotEmpty()) {
                throw KeyTemplateError(
                    "args ${args.keys} were given but the policy has no key template to render them; its key is " +
                        "derived from the block",
                )
            }
            DerivedKey.of(block)
        }
    val tags = if (policy is CachingPolicy) RenderedTags.of(policy.tags, args) else emptyList()
    return runPolicy(policy, policy.storageKey(key), type, NotNow, HandleCall(tags, null), block)
}

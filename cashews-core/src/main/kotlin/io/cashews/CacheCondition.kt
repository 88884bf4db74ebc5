package io.cashews

import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * Which outcomes of a load a strategy stores: values (all, non-null, or by a predicate) and, for negative caching,
 * exceptions of given types with their own TTL.
 *
 * ```
 * cache.cached(ttl = 1.hours, key = "user:$id", condition = CacheCondition.NotNull) { repo.find(id) }
 * cache.cached(ttl = 1.hours, key = "geo:$ip", condition = CacheCondition.withExceptions(NotFound::class, ttl = 5.minutes)) { … }
 * ```
 */
public class CacheCondition private constructor(
    private val storesValue: ((Any?, String) -> Boolean)?,
    private val exceptionTypes: List<Class<out Throwable>>,
    /** The TTL of a cached exception; `null` uses the strategy's TTL. */
    public val exceptionTtl: Duration?,
) {
    /** [exceptionTtl] for Java, where the property's getter has a mangled name. */
    @JvmName("getExceptionTtl")
    public fun exceptionTtlJavaDuration(): java.time.Duration? = exceptionTtl?.toJavaDuration()

    init {
        exceptionTtl?.let(Ttl::requirePositive)
    }

    /** Whether [value], loaded for [key], is stored. */
    public fun storesValue(value: Any?, key: String): Boolean = storesValue?.invoke(value, key) ?: false

    /** This condition, storing a value only when [extra] also accepts it. */
    internal fun and(extra: (Any?, String) -> Boolean): CacheCondition =
        CacheCondition({ value, key -> storesValue(value, key) && extra(value, key) }, exceptionTypes, exceptionTtl)

    /** Whether any exception is ever stored. */
    public val storesExceptions: Boolean get() = exceptionTypes.isNotEmpty()

    /** Whether [error] is stored, to be thrown again by later calls until it expires. */
    public fun storesException(error: Throwable): Boolean = exceptionTypes.any { it.isInstance(error) }

    /** Whether exceptions of class [type] are cached, decided on the class alone (it is not instantiated). */
    internal fun storesExceptionType(type: Class<*>): Boolean = exceptionTypes.any { it.isAssignableFrom(type) }

    /** This condition, also storing exceptions of [types] for [ttl] (`null`: the strategy's TTL). */
    public fun withExceptions(vararg types: KClass<out Throwable>, ttl: Duration? = null): CacheCondition =
        CacheCondition(storesValue, exceptionTypes + types.ifEmpty { arrayOf(Exception::class) }.map { it.java }, ttl)

    public companion object {
        /** Store every value, `null` included; never an exception. The default. */
        @JvmField
        public val Always: CacheCondition = CacheCondition({ _, _ -> true }, emptyList(), null)

        /** Store every value but `null`. */
        @JvmField
        public val NotNull: CacheCondition = CacheCondition({ value, _ -> value != null }, emptyList(), null)

        /** Store the values [predicate] accepts. */
        @JvmStatic
        public fun <T> of(predicate: (value: T, key: String) -> Boolean): CacheCondition {
            @Suppress("UNCHECKED_CAST")
            val test = predicate as (Any?, String) -> Boolean
            return CacheCondition(test, emptyList(), null)
        }

        /** Store every value and the exceptions of [types] (default: any [Exception]) for [ttl]. */
        public fun withExceptions(vararg types: KClass<out Throwable>, ttl: Duration? = null): CacheCondition =
            Always.withExceptions(*types, ttl = ttl)

        /**
         * [withExceptions] for Java callers: every value and the exceptions of [types] (none named: any [Exception])
         * for [ttl] (`null`: the strategy's TTL). `CacheCondition.withExceptions(Duration.ofMinutes(5), NotFound.class)`.
         */
        @JvmStatic
        @SafeVarargs
        public fun withExceptions(
            ttl: java.time.Duration?,
            vararg types: Class<out Throwable>,
        ): CacheCondition = withExceptions(*kotlinClasses(types), ttl = ttl?.toKotlinDuration())

        /** [onlyExceptions] for Java callers, as [withExceptions] for Java callers is. */
        @JvmStatic
        @SafeVarargs
        public fun onlyExceptions(
            ttl: java.time.Duration?,
            vararg types: Class<out Throwable>,
        ): CacheCondition = onlyExceptions(*kotlinClasses(types), ttl = ttl?.toKotlinDuration())

        private fun kotlinClasses(types: Array<out Class<out Throwable>>): Array<KClass<out Throwable>> =
            Array(types.size) { types[it].kotlin }

        /** Store only the exceptions of [types] (default: any [Exception]) for [ttl]; values are never stored. */
        public fun onlyExceptions(vararg types: KClass<out Throwable>, ttl: Duration? = null): CacheCondition =
            CacheCondition(null, types.ifEmpty { arrayOf(Exception::class) }.map { it.java }, ttl)
    }
}

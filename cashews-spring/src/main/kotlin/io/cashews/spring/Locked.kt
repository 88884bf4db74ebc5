package io.cashews.spring

/**
 * Runs the method under cashews' `locked` strategy: one caller at a time per key across every process sharing
 * the backend; the others wait for it ([waitForLock]) or fail with `LockedError`.
 *
 * ```java
 * @Locked(ttl = "30s", key = "report:{id}")
 * public Report build(long id) { … }
 * ```
 *
 * Every setting of the Java builder of the same strategy is an attribute of the same name. String attributes take
 * property placeholders (`"${app.users.ttl:3h}"`); `key` and `tags` are cashews key templates over the method's
 * parameter names (`"user:{id}"`, `"{user.id}"`), in which `#{…}` embeds a SpEL expression (`"user:#{#user.id}"`).
 * The method may return a value, a `CompletableFuture`, a `Mono` or `Flux`, or be a Kotlin `suspend` function.
 */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Locked(
    /** How long the lock is held at most (released earlier when the method returns), in the TTL grammar. */
    val ttl: String,
    /**
     * Whether callers wait for the lock (`true`) or fail at once with `LockedError`: the builders' `wait`, which a
     * Java annotation cannot name (every object has a `wait()`).
     */
    val waitForLock: Boolean = true,
    /** How long a caller waits at most; empty for as long as the lock is held. */
    val waitTimeout: String = "",
    /** What happens while the backend cannot answer: see `OutagePolicy`. */
    val whenUnavailable: io.cashews.OutagePolicy = io.cashews.OutagePolicy.LOCAL,
    /** The key template; empty for `<class>.<method>` and every parameter as `:<name>:{<name>}`. */
    val key: String = "",
    /** The prefix of the stored keys (`prefix:key`); empty for the strategy's default. */
    val prefix: String = "",
    /** A SpEL expression over the arguments: when it is false, the method is called without taking the lock. */
    val condition: String = "",
    /**
     * Also keeps results in this process, `size:ttl` like `"10000:30s"`, in front of a remote backend: the setup URL's
     * `local`, for this method's keys only (see `FunctionBinding.local`). Empty for none.
     */
    val local: String = "",
)

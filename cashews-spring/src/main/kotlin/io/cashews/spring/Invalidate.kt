package io.cashews.spring

/**
 * Deletes cached entries once the method has completed normally (its future or `Mono` included): the keys [keys]
 * render, and every entry labelled with one of [tags].
 *
 * ```java
 * @Invalidate(keys = "user:{id}", tags = "users")
 * public void rename(long id, String name) { … }
 * ```
 *
 * Keys and tags are cashews key templates over the method's parameter names, in which `#{…}` embeds a SpEL
 * expression; a key with glob characters (`"user:{id}:*"`) deletes every key it matches. String attributes take
 * property placeholders. A method that fails deletes nothing.
 */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Invalidate(
    /** Key templates of the entries to delete; globs delete every matching key. */
    val keys: Array<String> = [],
    /** Tag templates whose entries are deleted. */
    val tags: Array<String> = [],
    /**
     * Marks the [keys] stale instead of deleting them (`JavaCache.markStale`): a `@Cached(serveStale = true)` method
     * keeps answering with the old value while one refresh reloads it. Tags are still deleted; a glob key is refused.
     */
    val stale: Boolean = false,
)

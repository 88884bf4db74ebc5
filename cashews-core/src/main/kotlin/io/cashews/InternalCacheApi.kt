package io.cashews

/**
 * Marks declarations that cashews' own modules share (the Ktor plugin, the Java and Spring faces): public so that
 * they can, but not meant for applications. They may change in any release without notice.
 */
@RequiresOptIn(
    level = RequiresOptIn.Level.ERROR,
    message = "This is an internal cashews API shared between its modules; it may change without notice.",
)
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY)
public annotation class InternalCacheApi

package io.cashews.spring

/**
 * A cashews annotation that cannot work as written, found when the application starts: an unknown placeholder, a
 * bad TTL, a method that Spring's proxies cannot reach. The message names the annotation and the method.
 */
public class CashewsAnnotationError(
    message: String,
    cause: Throwable? = null,
) : IllegalStateException(message, cause) {
    private companion object {
        private const val serialVersionUID: Long = 1L
    }
}

package io.cashews.internal

import io.cashews.CachedFailureError
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient

/**
 * A cached exception (negative caching). In an object backend it keeps the exception itself, thrown again as is.
 * A byte backend keeps its class name and message; reading rebuilds the exception through its `(String)`
 * constructor, or gives a [CachedFailureError] when that is impossible.
 */
@Serializable
@PublishedApi
internal class StoredFailure(
    val type: String,
    val message: String?,
    @Transient val error: Throwable? = null,
) {
    fun rethrow(): Nothing = throw error ?: rebuild()

    private fun rebuild(): Throwable =
        try {
            val cls = Class.forName(type)
            if (!Throwable::class.java.isAssignableFrom(cls)) throw ClassCastException(type)
            cls.getConstructor(String::class.java).newInstance(message) as Throwable
        } catch (e: ReflectiveOperationException) {
            CachedFailureError(type, message)
        } catch (e: ClassCastException) {
            CachedFailureError(type, message)
        }

    companion object {
        fun of(error: Throwable) = StoredFailure(error.javaClass.name, error.message, error)
    }
}

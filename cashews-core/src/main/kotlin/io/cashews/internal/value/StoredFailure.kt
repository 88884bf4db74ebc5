package io.cashews.internal.value

import io.cashews.CacheCondition
import io.cashews.CachedFailureError
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient

/**
 * A cached exception (negative caching). In an object backend it keeps the exception itself, thrown again as is.
 * A byte backend keeps its class name and message; reading rebuilds the exception through its `(String)`
 * constructor, or gives a [CachedFailureError] when that is impossible.
 *
 * Stored bytes may have been written by anyone who can write to the backend, so a stored failure is thrown again
 * only to a call whose condition caches that very type ([errorFor]); to any other call it is a miss. Its class is
 * resolved without initialisation and checked before it is instantiated, so a stored name cannot run the static
 * initialiser of an arbitrary class.
 */
@Serializable
internal class StoredFailure(
    val type: String,
    val message: String?,
    @Transient val error: Throwable? = null,
) : Marker() {
    /**
     * The exception to throw again to a call with [condition], or `null` when that call would not have cached it
     * (its condition caches no exceptions, or not this type): the stored failure then reads as a miss.
     */
    fun errorFor(condition: CacheCondition): Throwable? {
        if (!condition.storesExceptions) return null
        error?.let { return if (condition.storesException(it)) it else null }
        val cls = resolve() ?: return null
        if (!Throwable::class.java.isAssignableFrom(cls) || !condition.storesExceptionType(cls)) return null
        return try {
            cls.getConstructor(String::class.java).newInstance(message) as Throwable
        } catch (e: ReflectiveOperationException) {
            CachedFailureError(type, message)
        }
    }

    private fun resolve(): Class<*>? {
        val loader = Thread.currentThread().contextClassLoader ?: StoredFailure::class.java.classLoader
        return try {
            Class.forName(type, false, loader)
        } catch (e: ClassNotFoundException) {
            null
        } catch (e: LinkageError) {
            null
        }
    }

    companion object {
        fun of(error: Throwable) = StoredFailure(error.javaClass.name, error.message, error)
    }
}

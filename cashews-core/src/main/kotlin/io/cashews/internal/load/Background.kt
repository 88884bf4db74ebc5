package io.cashews.internal.load

import io.cashews.Cache
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory

private val log = LoggerFactory.getLogger("io.cashews.refresh")

/**
 * Runs [refresh] in the cache's own scope with the caller's context elements (MDC, tracing) but not its job: the
 * caller returns at once and its cancellation does not stop the refresh. A failed refresh is logged, never thrown:
 * the stale value it was meant to replace keeps being served.
 */
internal suspend fun Cache.refreshInBackground(key: String, refresh: suspend () -> Unit): Job {
    val context = backgroundContext(currentCoroutineContext())
    return scope.launch(context) {
        try {
            refresh()
        } catch (e: kotlinx.coroutines.CancellationException) {
            throw e
        } catch (e: Exception) {
            log.warn("background refresh of key '{}' failed; the stale value stays until it expires", key, e)
        }
    }
}

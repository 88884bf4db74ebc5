package io.cashews.internal.route

import io.cashews.OutageSuppressingBackend
import io.cashews.RaiseOutages
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.withContext

/**
 * Runs [block] so that an outage of [route]'s backend raises [io.cashews.BackendUnavailableError] instead of being
 * answered neutrally. Costs nothing for a backend that never suppresses outages (memory, disk).
 */
internal suspend inline fun <T> raisingOutages(route: Route, crossinline block: suspend () -> T): T {
    val backend = route.backend
    val suppressing = backend is OutageSuppressingBackend && backend.suppressesOutages
    return if (suppressing && currentCoroutineContext()[RaiseOutages] == null) {
        withContext(RaiseOutages) { block() }
    } else {
        block()
    }
}

package io.cashews.bench

import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * Runs [command] [batch] times, spread over [concurrency] coroutines that each await one command at a time (so that
 * many are in flight), started in [context]: the calling thread's own event loop by default.
 */
internal inline fun inFlight(
    batch: Int,
    concurrency: Int,
    context: CoroutineContext = EmptyCoroutineContext,
    crossinline command: suspend (Int) -> Unit,
) {
    runBlocking(context) {
        val each = batch / concurrency
        repeat(concurrency) { worker ->
            launch { repeat(each) { command(worker * each + it) } }
        }
    }
}

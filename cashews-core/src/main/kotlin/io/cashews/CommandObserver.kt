package io.cashews

/**
 * An interceptor that watches commands without changing, answering or delaying them: [onStart] before each command
 * goes on, [onEnd] once it is answered or has failed. Metrics, tracing and logging are observers.
 *
 * Because an observer never suspends, an in-memory hit keeps its immediate path when every interceptor in the way is
 * an observer: the read is observed and answered without a coroutine, a command object or any allocation. One
 * interceptor that is not an observer sends every command of its backends through the chain, as before.
 *
 * ```
 * class Timing : CommandObserver {
 *     override fun onStart(kind: Command, key: String?, layer: String): Long = System.nanoTime()
 *     override fun onEnd(kind: Command, key: String?, layer: String, started: Long, failure: Throwable?) {
 *         record(kind, layer, System.nanoTime() - started)
 *     }
 * }
 * ```
 *
 * Both methods run on the thread of the command, inside its hot path: keep them quick, never block, never throw.
 */
public interface CommandObserver : CacheInterceptor {
    /**
     * Called before [kind] goes to the backend [layer] (see [CacheInterceptor.Chain.layer]) for [key], its first key
     * (the pattern of a scan, `null` for a command of the whole backend). Answers a number of the observer's own, such
     * as a start time, handed back to [onEnd].
     */
    public fun onStart(kind: Command, key: String?, layer: String): Long

    /** Called once the command [onStart] saw is answered, or has failed with [failure]. */
    public fun onEnd(kind: Command, key: String?, layer: String, started: Long, failure: Throwable?)

    /** Observes the command around the rest of the chain. */
    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
        val command = chain.command
        val key = command.firstKey
        val started = onStart(command.kind, key, chain.layer)
        val answer =
            try {
                chain.proceed(command)
            } catch (e: Throwable) {
                onEnd(command.kind, key, chain.layer, started, e)
                throw e
            }
        onEnd(command.kind, key, chain.layer, started, null)
        return answer
    }
}

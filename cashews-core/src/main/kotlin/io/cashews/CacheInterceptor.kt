package io.cashews

/**
 * Observes, rewrites or answers the commands a [Cache] sends to its backends, the way OkHttp's interceptors handle
 * calls: each interceptor gets a [Chain], may look at or replace [Chain.command], and calls [Chain.proceed] to pass
 * it on (or returns an answer of its own without calling it).
 *
 * ```
 * class Timing : CacheInterceptor {
 *     override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
 *         val started = System.nanoTime()
 *         try { return chain.proceed(chain.command) } finally { record(chain.command.kind, System.nanoTime() - started) }
 *     }
 * }
 * cache.addInterceptor(Timing())                                   // every backend
 * cache.setup("mem://", interceptors = listOf(AddPrefix("v2:")))   // this backend only
 * ```
 *
 * **Order.** A command passes the cache-wide interceptors first, in the order they were added, then the interceptors
 * of the backend it routes to, in the order given to [Cache.setup], then the disable check ([Cache.disable]) and
 * the backend; [Cache.callback]s run after the backend answers. Answers travel back in reverse order.
 *
 * **Cost.** A backend with no interceptor, nothing disabled and no callback is called directly: no command object,
 * no chain. The in-memory hit path then stays allocation-free, and stays so with interceptors that only watch
 * ([CommandObserver]).
 *
 * Interceptors see backend commands, below tags and codecs: a tagged write of the cache is one [CacheCommand.Set],
 * plus a [CacheCommand.Get] of each tag's version key when it is not known yet. Initialisation and close are not
 * commands.
 */
public interface CacheInterceptor {
    /** Handles [chain]'s command, usually by calling [Chain.proceed] once. */
    public suspend fun <R> intercept(chain: Chain<R>): R

    /** A command on its way to a backend, and the rest of the way. */
    public interface Chain<R> {
        /** The command as this interceptor received it. */
        public val command: CacheCommand<R>

        /** The backend the command routes to. */
        public val backend: Backend

        /** The key prefix that backend is set up under (`""` for the default backend). */
        public val prefix: String

        /** What metrics and logs call that backend: its URL scheme (`mem`, `redis`, `disk`), or its class name. */
        public val layer: String

        /** Passes [command] (this one, or a replacement of the same type) to the next interceptor or the backend. */
        public suspend fun proceed(command: CacheCommand<R>): R
    }
}

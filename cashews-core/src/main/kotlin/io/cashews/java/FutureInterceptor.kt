package io.cashews.java

import io.cashews.Backend
import io.cashews.CacheCommand
import io.cashews.CacheInterceptor
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.future.future
import java.util.concurrent.CompletableFuture

/**
 * A [CacheInterceptor] written in Java: it sees each command on its way to a backend and answers with a future of
 * its result, calling [Chain.proceed] to pass the command on (changed or not) or answering by itself. Register it
 * with `JavaCache.addInterceptor`.
 *
 * ```java
 * jc.addInterceptor(new FutureInterceptor() {
 *     public <R> CompletableFuture<R> intercept(FutureInterceptor.Chain<R> chain) {
 *         long start = System.nanoTime();
 *         return chain.proceed(chain.getCommand()).whenComplete((r, e) -> timer.record(System.nanoTime() - start));
 *     }
 * });
 * ```
 */
public interface FutureInterceptor {
    /** Handles [chain]'s command: usually `chain.proceed(chain.getCommand())`, with work around it. */
    public fun <R> intercept(chain: Chain<R>): CompletableFuture<R>

    /** What an interceptor sees of a command, and the way on to the next interceptor or the backend. */
    public interface Chain<R> {
        /** The command on its way. */
        public val command: CacheCommand<R>

        /** The backend the command goes to. */
        public val backend: Backend

        /** The key prefix that backend is set up under (`""` for the default backend). */
        public val prefix: String

        /** What metrics and logs call that backend: its URL scheme (`mem`, `redis`, `disk`), or its class name. */
        public val layer: String

        /** Passes [command] on; the future completes with its result, or with its failure. */
        public fun proceed(command: CacheCommand<R>): CompletableFuture<R>
    }
}

/** The [CacheInterceptor] that runs a [FutureInterceptor], started on the calling thread so hits stay on it. */
internal class FutureInterceptorAdapter(
    val interceptor: FutureInterceptor,
) : CacheInterceptor {
    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R =
        coroutineScope {
            val java =
                object : FutureInterceptor.Chain<R> {
                    override val command: CacheCommand<R> get() = chain.command
                    override val backend: Backend get() = chain.backend
                    override val prefix: String get() = chain.prefix
                    override val layer: String get() = chain.layer

                    override fun proceed(command: CacheCommand<R>): CompletableFuture<R> =
                        future(start = CoroutineStart.UNDISPATCHED) { chain.proceed(command) }
                }
            (interceptor.intercept(java) ?: throw NullPointerException("the interceptor returned no future")).await()
        }
}

package io.cashews.java

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.future.await
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CompletableFuture
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext

/**
 * Carries the effects of scoped blocks (transactions, detect, disabling, invalidate-further, key contexts) from Java
 * code into the commands it starts.
 *
 * Kotlin finds those effects in the coroutine context. Java code has none, so every coroutine the Java face starts
 * holds this element, which publishes the coroutine's context in a thread-local while the coroutine runs on a
 * thread. A command started there (by a Java lambda called from the coroutine, or by a callback of a future the
 * coroutine completes) takes the elements of that context, without its job and dispatcher, so it runs inside the
 * same blocks while keeping its own lifetime.
 */
internal object JavaContext : ThreadContextElement<CoroutineContext?>, CoroutineContext.Key<JavaContext> {
    private val current = ThreadLocal<CoroutineContext?>()

    override val key: CoroutineContext.Key<*> get() = this

    override fun updateThreadContext(context: CoroutineContext): CoroutineContext? {
        val previous = current.get()
        current.set(context)
        return previous
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: CoroutineContext?) {
        current.set(oldState)
    }

    /** The context a command started now on this thread inherits: see the class description. */
    fun inherited(): CoroutineContext = current.get()?.let(::detached) ?: this

    /** [context] without what ties a coroutine to its parent's lifetime and thread: its job and its dispatcher. */
    fun detached(context: CoroutineContext): CoroutineContext = context.minusKey(Job).minusKey(ContinuationInterceptor)
}

/**
 * Starts [block] on the calling thread in [context] (by default, the scoped blocks the caller runs in), as a future:
 * an answer available without waiting completes the future before this returns.
 */
internal fun <R> CoroutineScope.javaFuture(
    context: CoroutineContext = JavaContext.inherited(),
    block: suspend CoroutineScope.() -> R,
): CompletableFuture<R> = future(context, CoroutineStart.UNDISPATCHED, block)

/**
 * Runs [block] on the calling thread until it completes, in the scoped blocks the caller runs in. Interrupting the
 * thread cancels [block] and throws [InterruptedException]; a virtual thread parks instead of pinning its carrier.
 */
internal fun <R> javaBlocking(
    context: CoroutineContext = JavaContext.inherited(),
    block: suspend CoroutineScope.() -> R,
): R = runBlocking(context, block)

/** The result of a future a Java lambda returned, naming the lambda ([what]) when it returned `null` instead. */
internal suspend fun <R> CompletableFuture<R>?.awaitReturned(what: String): R =
    (this ?: throw NullPointerException("$what returned null instead of a CompletableFuture")).await()

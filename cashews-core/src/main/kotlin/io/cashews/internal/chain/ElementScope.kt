package io.cashews.internal.chain

import io.cashews.java.JavaContext
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withContext
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/**
 * Runs [block] with [element] added to the caller's context: what `withContext(element)` does for an element that is
 * neither a dispatcher nor a `ThreadContextElement` (callers pass only their own markers), without the parts such an
 * element does not need.
 *
 * `withContext` starts a child coroutine (a job of its own, which waits for children the block cannot start here: it
 * gets no scope) and folds the whole context to find thread-context elements. On JDK 17 to 22 that fold costs about
 * a third of a small transaction: it asks every element whether it implements an interface, which those JDKs answer
 * by scanning the element class's interfaces each time. Here the block runs in the caller's coroutine, undispatched,
 * and the caller resumes straight from the block's completion, on the thread the block ended on, which the caller's
 * own dispatcher chose. Cancellation reaches the block through the caller's job, which its context keeps.
 */
internal suspend fun <R> withElement(element: CoroutineContext.Element, block: suspend () -> R): R {
    val context = currentCoroutineContext()
    context.ensureActive()
    // The Java face's element publishes the whole context to the thread, for the commands Java code starts there:
    // only withContext installs the context with the new element in it. Other thread-context elements keep their own
    // state, which an element of ours does not change.
    if (context[JavaContext] != null) return withContext(element) { block() }
    return suspendCoroutineUninterceptedOrReturn { caller ->
        block.startCoroutineUninterceptedOrReturn(ElementCompletion(caller, caller.context + element))
    }
}

/** The completion of a [withElement] block: the caller's continuation, seen by the block with the added element. */
private class ElementCompletion<R>(
    private val caller: Continuation<R>,
    override val context: CoroutineContext,
) : Continuation<R> {
    override fun resumeWith(result: Result<R>) = caller.resumeWith(result)
}

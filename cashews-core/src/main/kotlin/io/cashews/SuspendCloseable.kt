package io.cashews

/**
 * A resource closed by suspending (an async client's `aclose`), for values a memory backend closes when they leave
 * it (see [MemoryBackend.closeParts]): the counterpart of [AutoCloseable] for coroutine code.
 */
public fun interface SuspendCloseable {
    /** Releases the resource; called once, when the value holding it leaves the cache. */
    public suspend fun close()
}

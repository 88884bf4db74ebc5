package io.cashews.spring.internal

import org.springframework.util.ClassUtils

/**
 * Whether the calling thread must not block: an event loop of Reactor (WebFlux's Netty server marks its threads
 * with Reactor's `NonBlocking`). Spring calls a cache's blocking methods on such a thread for a `@Cacheable`
 * future, `Mono` or `suspend` method declared without `sync = true`.
 */
internal object EventLoops {
    private val reactor: Class<*>? =
        if (ClassUtils.isPresent(NON_BLOCKING, EventLoops::class.java.classLoader)) {
            ClassUtils.resolveClassName(NON_BLOCKING, EventLoops::class.java.classLoader)
        } else {
            null
        }

    fun onEventLoop(): Boolean = reactor != null && reactor.isInstance(Thread.currentThread())

    private const val NON_BLOCKING = "reactor.core.scheduler.NonBlocking"
}

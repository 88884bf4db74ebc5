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

    /**
     * Whether threads of a class are Reactor's, asked once per class: `isInstance` against an interface a thread
     * does not implement scans the thread class's interfaces on every call before JDK 23.
     */
    private val eventLoopClasses =
        object : ClassValue<Boolean>() {
            override fun computeValue(type: Class<*>): Boolean = reactor != null && reactor.isAssignableFrom(type)
        }

    fun onEventLoop(): Boolean = reactor != null && eventLoopClasses.get(Thread.currentThread().javaClass)

    private const val NON_BLOCKING = "reactor.core.scheduler.NonBlocking"
}

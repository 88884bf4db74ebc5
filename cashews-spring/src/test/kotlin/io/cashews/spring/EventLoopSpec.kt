package io.cashews.spring

import io.cashews.Cache
import io.cashews.Command
import io.cashews.JavaCache
import io.cashews.test.FaultyBackend
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import reactor.core.scheduler.NonBlocking
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

/** A thread Reactor treats as an event loop, as WebFlux's Netty server threads are. */
private class EventLoopThread(
    body: Runnable,
) : Thread(body),
    NonBlocking

/**
 * Spring calls a cache's blocking methods on WebFlux's event loops for `@Cacheable` futures and `Mono`s without
 * `sync = true`: there the cashews cache must not wait for a backend that has not answered.
 */
class EventLoopSpec : FunSpec({
    test("on an event loop a lookup answers at once and a write does not wait; elsewhere both wait") {
        val backend = FaultyBackend()
        val cache = Cache()
        cache.setup(backend)
        val users = CashewsCacheManager(JavaCache.of(cache)).getCache("users")!!
        users.put("1", "ann")
        val held = backend.hold(Command.GET, Command.SET)

        val onLoop = CompletableFuture<Any?>()
        EventLoopThread {
            val found = users.get("1")
            users.put("2", "bob")
            onLoop.complete(found)
        }.start()
        onLoop.get(30, TimeUnit.SECONDS).shouldBeNull() // a miss this time, rather than a wait
        held.awaitArrivals(2) // the read and the write both went to the backend

        val elsewhere = CompletableFuture.supplyAsync { users.get("1")?.get() }
        held.awaitArrivals(3) // the plain thread's read waits at the backend…
        elsewhere.isDone shouldBe false
        held.release()
        elsewhere.get(30, TimeUnit.SECONDS) shouldBe "ann" // …and answers once it does
        backend.heal()
        // the event loop's write, released with the rest, finishes by itself
        eventually(30.seconds) { users.get("2")?.get() shouldBe "bob" }
        cache.close()
    }
})

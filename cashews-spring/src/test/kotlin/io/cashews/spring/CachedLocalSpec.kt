package io.cashews.spring

import io.cashews.Cache
import io.cashews.Command
import io.cashews.JavaCache
import io.cashews.MemoryBackend
import io.cashews.test.ForwardingBackend
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import org.springframework.context.annotation.AnnotationConfigApplicationContext
import org.springframework.context.annotation.Configuration
import java.util.concurrent.atomic.AtomicInteger
import java.util.function.Supplier

@Configuration
@EnableCashews
open class EnableCashewsOnly

/** `local` on an annotation: the method's keys kept in this process, in front of a backend that is not in memory. */
class CachedLocalSpec : FunSpec({
    test("@Cached(local) keeps the method's results in this process in front of a backend that is not in memory") {
        val gets = AtomicInteger()
        val remote =
            object : ForwardingBackend(MemoryBackend()) {
                override suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R {
                    if (command == Command.GET) gets.incrementAndGet()
                    return call()
                }
            }
        val context = AnnotationConfigApplicationContext()
        context.registerBean(JavaCache::class.java, Supplier { JavaCache.of(Cache().apply { setup(remote) }) })
        context.register(EnableCashewsOnly::class.java)
        context.register(Greeter::class.java)
        context.refresh()
        context.use {
            val greeter = context.getBean(Greeter::class.java)
            greeter.kept("a") shouldBe "kept a 1" // loaded and written
            greeter.kept("a") shouldBe "kept a 1" // read from the backend, and kept
            val before = gets.get()
            repeat(3) { greeter.kept("a") shouldBe "kept a 1" }
            gets.get() shouldBe before // answered in this process
            greeter.greet("b")
            val beforeHit = gets.get()
            greeter.greet("b")
            gets.get() shouldBe beforeHit + 1 // another method's keys are not kept: its hit reads the backend
        }
    }
})

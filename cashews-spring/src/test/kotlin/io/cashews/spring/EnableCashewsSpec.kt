package io.cashews.spring

import io.cashews.Cache
import io.cashews.JavaCache
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import org.springframework.context.annotation.AnnotationConfigApplicationContext
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import java.util.concurrent.atomic.AtomicInteger

open class Greeter {
    val calls = AtomicInteger()

    @Cached(ttl = "1h", key = "greeting:{name}")
    open fun greet(name: String): String = "hello $name ${calls.incrementAndGet()}"

    @Early(ttl = "1h", key = "#{#name.toUpperCase()}")
    open fun shout(name: String): String = "HELLO $name ${calls.incrementAndGet()}"

    @Invalidate(keys = ["greeting:{name}"])
    open fun forget(name: String) {}
}

@Configuration
@EnableCashews
open class GreeterConfig {
    @Bean
    open fun cache(): JavaCache = JavaCache.of(Cache("mem://"))

    @Bean
    open fun greeter(): Greeter = Greeter()
}

/** The annotations in a plain Spring application (no Boot), switched on with `@EnableCashews`. */
class EnableCashewsSpec : FunSpec({
    test("annotated methods of a bean are cached, keyed by templates and SpEL, and invalidated") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            greeter.greet("ann") shouldBe "hello ann 1"
            greeter.greet("ann") shouldBe "hello ann 1"
            greeter.shout("bob") shouldBe "HELLO bob 2"
            greeter.shout("bob") shouldBe "HELLO bob 2"
            greeter.forget("ann")
            greeter.greet("ann") shouldBe "hello ann 3"
            val cache = context.getBean(JavaCache::class.java)
            cache.exists("greeting:ann").join() shouldBe true
        }
    }
})

package io.cashews.spring

import io.cashews.Cache
import io.cashews.JavaCache
import io.cashews.KeyTtl
import io.cashews.LockedError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import org.springframework.cache.CacheManager
import org.springframework.cache.annotation.Cacheable
import org.springframework.cache.annotation.EnableCaching
import org.springframework.context.annotation.AnnotationConfigApplicationContext
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import reactor.core.publisher.Mono
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.seconds

open class Greeter {
    open val calls = AtomicInteger()

    @Cached(ttl = "1h", key = "greeting:{name}")
    open fun greet(name: String): String = "hello $name ${calls.incrementAndGet()}"

    @Early(ttl = "1h", key = "#{#name.toUpperCase()}")
    open fun shout(name: String): String = "HELLO $name ${calls.incrementAndGet()}"

    @Invalidate(keys = ["greeting:{name}"])
    open fun forget(name: String) {}

    @Cached(
        ttl = "1h",
        key = "person:{person.name}",
        condition = "#person.name != 'nobody'",
        unless = "#result == 'skip'",
    )
    open fun describe(person: Person): String =
        if (person.name ==
            "skipped"
        ) {
            "skip"
        } else {
            "${person.name} ${calls.incrementAndGet()}"
        }

    @Locked(ttl = "1m", key = "job:{name}", waitForLock = false, condition = "#name != 'unlocked'")
    open fun job(name: String): String = "ran $name"

    @Cached(ttl = "1h", key = "off:{name}", condition = "\${greeter.cache-enabled:false}")
    open fun uncached(name: String): String = "off $name ${calls.incrementAndGet()}"

    @Cached(ttl = "1h", key = "mono:{name}")
    open fun mono(name: String): Mono<String> = Mono.fromCallable { "mono $name ${calls.incrementAndGet()}" }

    @Cached(expiry = "2099-01-01T00:00Z", key = "until:{name}")
    open fun until(name: String): String = "until $name ${calls.incrementAndGet()}"

    @Cached(expiry = "2000-01-01T00:00Z", key = "past:{name}")
    open fun past(name: String): String = "past $name ${calls.incrementAndGet()}"

    @Cached(ttlFrom = "#result.length() + 's'", key = "sized:{name}")
    open fun sized(name: String): String = "sized $name"

    @Cached(ttl = "1h", key = "cat:{name}", serveStale = true)
    open fun cat(name: String): String = "cat $name ${calls.incrementAndGet()}"

    @Invalidate(keys = ["cat:{name}"], stale = true)
    open fun catChanged(name: String) {}

    @Cached(ttl = "1h", key = "book:{id}", resultTags = "'user:' + #result.substring(#result.indexOf('#') + 1)")
    open fun book(id: Long): String = "book $id #200"

    @Cached(ttl = "1h", key = "admitted:{name}", doorKeeper = 1000)
    open fun admitted(name: String): String = "admitted $name ${calls.incrementAndGet()}"

    @Cached(ttl = "1h", key = "kept:{name}", local = "\${greeter.local:100:1m}")
    open fun kept(name: String): String = "kept $name ${calls.incrementAndGet()}"

    @Cacheable(cacheNames = ["spring"], sync = true)
    open fun springMono(name: String): Mono<String> = Mono.fromCallable { "spring $name ${calls.incrementAndGet()}" }
}

data class Person(
    val name: String,
)

@Configuration
@EnableCashews
@EnableCaching
open class GreeterConfig {
    @Bean
    open fun cache(): JavaCache = JavaCache.of(Cache("mem://"))

    @Bean
    open fun cacheManager(cache: JavaCache): CacheManager = CashewsCacheManager(cache)

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

    test("keys read properties of arguments; condition and unless are SpEL as in Spring's @Cacheable") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val cache = context.getBean(JavaCache::class.java)
            val first = greeter.describe(Person("ann"))
            greeter.describe(Person("ann")) shouldBe first
            cache.exists("person:ann").join() shouldBe true
            // condition false: the method runs each time, nothing is stored
            greeter.describe(Person("nobody")) shouldNotBe greeter.describe(Person("nobody"))
            cache.exists("person:nobody").join() shouldBe false
            // unless true: the result is returned, not stored
            greeter.describe(Person("skipped")) shouldBe "skip"
            cache.exists("person:skipped").join() shouldBe false
        }
    }

    test("@Locked takes a SpEL condition; a condition read from configuration turns an annotation off") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val cache = context.getBean(JavaCache::class.java)
            cache.setLock("locked:job:held", "someone", java.time.Duration.ofMinutes(1)).join() shouldBe true
            cache.setLock("locked:job:unlocked", "someone", java.time.Duration.ofMinutes(1)).join() shouldBe true
            shouldThrow<LockedError> { greeter.job("held") }
            greeter.job("unlocked") shouldBe "ran unlocked"
            greeter.uncached("x") shouldNotBe greeter.uncached("x")
            cache.exists("off:x").join() shouldBe false
        }
    }

    test("@Cached expires at the point in time its expiry names, or stores nothing past it; ttlFrom reads the result") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val cache = context.getBean(JavaCache::class.java)
            greeter.until("a") shouldBe greeter.until("a")
            val left = cache.ttl("until:a").join() as KeyTtl.Expiring
            (left.remaining > 365.days) shouldBe true
            greeter.past("a") shouldNotBe greeter.past("a")
            cache.exists("past:a").join() shouldBe false
            greeter.sized("ab") shouldBe "sized ab"
            val sized = (cache.ttl("sized:ab").join() as KeyTtl.Expiring).remaining
            (sized > 7.seconds && sized <= 8.seconds) shouldBe true
        }
    }

    test("@Invalidate(stale = true) marks a key stale; @Cached(serveStale = true) answers with it while it reloads") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val cache = context.getBean(JavaCache::class.java)
            val first = greeter.cat("tom")
            greeter.catChanged("tom")
            cache.exists("cat:tom").join() shouldBe false
            cache.exists("cat:tom:stale").join() shouldBe true
            greeter.cat("tom") shouldBe first
        }
    }

    test("@Cached(resultTags) tags each result from it; doorKeeper stores a key from its second call on") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val cache = context.getBean(JavaCache::class.java)
            val first = greeter.admitted("x")
            greeter.admitted("x") shouldNotBe first
            greeter.admitted("x") shouldBe greeter.admitted("x")
            greeter.book(100) shouldBe "book 100 #200"
            cache.exists("book:100").join() shouldBe true
            cache.deleteTags(listOf("user:200")).join()
            cache.exists("book:100").join() shouldBe false
        }
    }

    test("Mono results are cached by @Cached and by Spring's @Cacheable(sync = true) on the cashews CacheManager") {
        AnnotationConfigApplicationContext(GreeterConfig::class.java).use { context ->
            val greeter = context.getBean(Greeter::class.java)
            val mono = greeter.mono("a").block()
            greeter.mono("a").block() shouldBe mono
            val spring = greeter.springMono("b").block()
            greeter.springMono("b").block() shouldBe spring
            greeter.calls.get() shouldBe 2
        }
    }
})

open class TtlAndExpiry {
    @Cached(ttl = "1h", expiry = "06:00 Europe/Paris", key = "both")
    open fun both(): String = "both"
}

open class StaleGlob {
    @Invalidate(keys = ["user:{id}:*"], stale = true)
    open fun staleGlob(id: Long) {}
}

open class BadExpiry {
    @Cached(expiry = "at six", key = "bad")
    open fun badExpiry(): String = "bad"
}

/** The new annotation attributes refuse what they cannot honour when the bean is made, naming the method. */
class AnnotationRefusalsSpec : FunSpec({
    fun refusal(bean: Class<*>): String {
        val context = AnnotationConfigApplicationContext()
        context.register(GreeterConfig::class.java, bean)
        val error = shouldThrow<Exception> { context.refresh() }
        context.close()
        return generateSequence<Throwable>(
            error,
        ) { it.cause }.filterIsInstance<CashewsAnnotationError>().first().message!!
    }

    test("ttl with expiry, stale with a glob key, and a bad expiry are refused") {
        refusal(TtlAndExpiry::class.java) shouldContain "TtlAndExpiry.both(): give it one of ttl, ttlFrom and expiry"
        refusal(StaleGlob::class.java) shouldContain "which a glob key cannot be: user:{id}:*"
        refusal(BadExpiry::class.java) shouldContain "expiration 'at six' is not valid"
    }
})

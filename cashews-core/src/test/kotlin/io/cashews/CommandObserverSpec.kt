package io.cashews

import io.cashews.internal.value.NotNow
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.hours

/** Records what it observes as `name:start|end KIND key layer [failure]`. */
private class Recording(
    private val name: String,
    private val seen: MutableList<String>,
) : CommandObserver {
    override fun onStart(kind: Command, key: String?, layer: String): Long {
        seen += "$name:start $kind $key $layer"
        return seen.size.toLong()
    }

    override fun onEnd(kind: Command, key: String?, layer: String, started: Long, failure: Throwable?) {
        seen += "$name:end $kind $key $layer $started" + (failure?.let { " ${it.message}" } ?: "")
    }
}

class CommandObserverSpec : FunSpec({
    test("observers see in-memory hits answered on the immediate path, in order, and every other command") {
        runBlocking {
            val cache = Cache("mem://")
            cache.set("k", "v")
            val seen = CopyOnWriteArrayList<String>()
            cache.addInterceptor(Recording("a", seen))
            cache.addInterceptor(Recording("b", seen))

            cache.lookupNow("k") { ValueType.of<String>() } shouldBe "v" // answered without suspending
            seen shouldContainExactly
                listOf(
                    "a:start GET k mem",
                    "b:start GET k mem",
                    "b:end GET k mem 2",
                    "a:end GET k mem 1",
                )
            seen.clear()
            cache.cached(1.hours, "k") { "loaded" } shouldBe "v"
            cache.set("n", "1")
            seen.map { it.substringBefore(" mem") } shouldContainExactly
                listOf("a:start GET k", "b:start GET k", "b:end GET k", "a:end GET k") +
                listOf("a:start SET n", "b:start SET n", "b:end SET n", "a:end SET n")
            cache.close()
        }
    }

    test("an interceptor that is not an observer sends hits through the chain, where observers still see them") {
        runBlocking {
            val cache = Cache("mem://")
            cache.set("k", "v")
            val seen = CopyOnWriteArrayList<String>()
            cache.addInterceptor(Recording("a", seen))
            cache.addInterceptor(
                object : CacheInterceptor {
                    override suspend fun <R> intercept(
                        chain: CacheInterceptor.Chain<R>,
                    ): R = chain.proceed(chain.command)
                },
            )
            cache.lookupNow("k") { ValueType.of<String>() } shouldBe NotNow // the chain runs in a coroutine
            cache.get<String>("k") shouldBe "v"
            seen.map { it.substringBefore(" mem") } shouldContainExactly listOf("a:start GET k", "a:end GET k")
            cache.close()
        }
    }

    test("a failed command is observed with its failure, then thrown to the caller") {
        runBlocking {
            val cache = Cache("mem://")
            cache.set("text", "not a number")
            val seen = CopyOnWriteArrayList<String>()
            cache.addInterceptor(Recording("a", seen))
            shouldThrow<NotAnIntegerError> { cache.incr("text") }
            seen.single { it.startsWith("a:end INCR text mem") }.contains("not an integer") shouldBe true
            cache.close()
        }
    }
})

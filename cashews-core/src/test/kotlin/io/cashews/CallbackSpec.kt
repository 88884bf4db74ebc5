package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import java.util.Collections

class CallbackSpec : FunSpec({
    test("a callback hears the commands it asked for while its block runs, with their results") {
        runTest {
            val cache = Cache("mem://")
            val heard = Collections.synchronizedList(mutableListOf<String>())
            cache.callback(Command.SET, callback = { command, result -> heard += "${command.keys} $result" }) {
                cache.set("test", "value")
                cache.get<String>("test") // not a SET
                cache.set("other", 1)
            }
            cache.set("after", 1)
            heard shouldContainExactly listOf("[test] true", "[other] true")
            cache.route("test").pipeline shouldBe cache.route("test").backend
        }
    }

    test("a callback for every command sees misses as null results, and awaits suspend work") {
        runTest {
            val cache = Cache("mem://")
            val heard = mutableListOf<Pair<Command, Any?>>()
            cache.callback(callback = { command, result ->
                kotlinx.coroutines.yield()
                heard += command.kind to result
            }) {
                cache.get<String>("missing")
                cache.incr("n", 5)
            }
            heard shouldContainExactly listOf(Command.GET to null, Command.INCR to 5L)
        }
    }

    test("disabled commands never reach a callback") {
        runTest {
            val cache = Cache("mem://")
            cache.disable(Command.SET)
            val heard = mutableListOf<Command>()
            cache.callback(callback = { command, _ -> heard += command.kind }) { cache.set("k", 1) }
            heard shouldBe emptyList()
        }
    }
})

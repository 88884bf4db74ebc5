package io.cashews.test

import io.cashews.BackendUnavailableError
import io.cashews.Cache
import io.cashews.Command
import io.cashews.MemoryBackend
import io.cashews.cached
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.async
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** A backend behind a forwarding one keeps its whole contract: every command and capability goes through. */
class ForwardingBackendContractSpec : BackendContractSpec(newBackend = { time ->
    ForwardingBackend(MemoryBackend(size = 10_000, timeSource = time))
})

/** The recording backend keeps the contract too, while recording. */
class RecordingBackendContractSpec : BackendContractSpec(newBackend = { time ->
    RecordingBackend(MemoryBackend(size = 10_000, timeSource = time))
})

class TestDoublesSpec : FunSpec({
    test("a recording backend lists the commands that reached it, in order") {
        runTest {
            val backend = RecordingBackend()
            val cache = Cache()
            cache.setup(backend)
            cache.cached(1.hours, "k") { "v" }
            cache.cached(1.hours, "k") { "v" }
            // The first call's read is made inside its load's flight, so it does not look twice.
            backend.calls.map { it.toString() } shouldBe listOf("GET k", "SET k", "GET k")
            backend.count(Command.GET) shouldBe 2
            backend.reset()
            backend.count() shouldBe 0
        }
    }

    test("a faulty backend fails, delays and holds the commands chosen, and heals") {
        runTest {
            val backend = FaultyBackend()
            val cache = Cache()
            cache.setup(backend)
            backend.fail(Command.SET)
            shouldThrow<BackendUnavailableError> { cache.set("k", 1) }.message shouldContain "SET k"
            backend.heal()
            cache.set("k", 1) shouldBe true

            backend.slowDown(3.seconds, Command.GET)
            val before = currentTime
            cache.get<Int>("k") shouldBe 1
            currentTime - before shouldBe 3_000

            val held = backend.hold(Command.GET)
            val reader = async { cache.get<Int>("k") }
            held.awaitArrivals(1)
            reader.isCompleted shouldBe false
            held.release()
            reader.await() shouldBe 1
        }
    }

    test("a capability the delegate lacks fails with the command and the delegate named") {
        runTest {
            val plain =
                object : io.cashews.Backend by MemoryBackend() {
                    override fun toString(): String = "PlainBackend"
                }
            val error =
                shouldThrow<io.cashews.UnsupportedCommandError> {
                    ForwardingBackend(
                        plain,
                    ).setLock("l", "t", 1.seconds)
                }
            error.message shouldContain "setLock"
            error.message shouldContain "PlainBackend"
        }
    }
})

package io.cashews.disk

import io.cashews.Cache
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

class DiskProcessesSpec : FunSpec({
    test("two caches opening a fresh directory at the same moment, every shard at once: nothing lost, nothing busy") {
        repeat(3) {
            val directory = Files.createTempDirectory("cashews-disk-fresh")
            try {
                runBlocking(Dispatchers.Default) {
                    val caches = List(2) { Cache("disk://?directory=$directory&shards=8") }
                    (0 until 200)
                        .map { i -> async { caches[i % 2].incr("counter:${i % 16}") } }
                        .awaitAll()
                    (0 until 16).sumOf { caches[0].get<Long>("counter:$it") ?: 0L } shouldBe 200L
                    caches.forEach { it.close() }
                }
            } finally {
                directory.toFile().deleteRecursively()
            }
        }
    }

    test("two processes incrementing, writing and adding to the same keys at once: nothing lost, nothing busy") {
        val directory = Files.createTempDirectory("cashews-disk-processes")
        val rounds = 300
        val worker = startWorker(directory, rounds)
        try {
            val output = worker.inputReader()
            output.readLine() shouldBe "ready"
            runBlocking(Dispatchers.Default) {
                val cache = Cache("disk://?directory=$directory&shards=4")
                worker.outputWriter().apply {
                    write("go\n")
                    flush()
                }
                repeat(rounds) { i ->
                    cache.incr("counter")
                    cache.set("main:$i", "from the test $i")
                    cache.setAdd("members", listOf("main-$i"))
                }
                worker.waitFor(2, TimeUnit.MINUTES) shouldBe true
                withClue(worker.errorReader().readText()) { worker.exitValue() shouldBe 0 }
                output.readLine() shouldBe "done"

                cache.get<Long>("counter") shouldBe 2L * rounds
                cache.setMembers("members").size shouldBe 2 * rounds
                cache.get<String>("worker:${rounds - 1}") shouldBe "from the worker ${rounds - 1}"
                cache.get<String>("main:${rounds - 1}") shouldBe "from the test ${rounds - 1}"
                cache.close()
            }
        } finally {
            worker.destroyForcibly()
            directory.toFile().deleteRecursively()
        }
    }
})

/** A second JVM on this test's class path, running [DiskWorker]. */
private fun startWorker(directory: Path, rounds: Int): Process {
    val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()
    return ProcessBuilder(
        java,
        "-cp",
        System.getProperty("java.class.path"),
        DiskWorker::class.java.name,
        "$directory",
        "$rounds",
    ).start()
}

package io.cashews.disk

import io.cashews.SetCondition
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.nio.file.Path
import java.sql.DriverManager
import java.util.concurrent.Executors

/** Where a disk command runs: on its caller's thread when nothing needs waiting, on the dispatcher otherwise. */
class DiskCallerThreadSpec : FunSpec({
    /** The threads that ran evictions: eviction listeners are called inside the command that evicts. */
    fun evictingThreads(disk: DiskBackend) =
        java.util.concurrent.CopyOnWriteArrayList<String>().also { names ->
            disk.addEvictionListener { names += Thread.currentThread().name.substringBefore(" @") }
        }

    fun callerThread(name: String) = Executors.newSingleThreadExecutor { Thread(it, name) }.asCoroutineDispatcher()

    test(
        "a command that needs no waiting runs on its caller's thread; run_on_caller=false sends it to the dispatcher",
    ) {
        withDirectory { directory ->
            for (onCaller in listOf(true, false)) {
                // Room for one 60-byte entry: each write evicts the one before.
                val disk = DiskBackend(directory.resolve("$onCaller"), 1, sizeLimit = 150, runOnCaller = onCaller)
                val threads = evictingThreads(disk)
                disk.init()
                callerThread("caller").use { caller ->
                    withContext(caller) {
                        for (key in listOf("a", "b")) disk.set(key, ByteArray(60), null, SetCondition.ALWAYS)
                    }
                }
                // The first write opened the file on the dispatcher; the second needed no wait and evicted the first.
                if (onCaller) threads.single() shouldBe "caller" else threads.single() shouldNotBe "caller"
                disk.close()
            }
        }
    }

    test("while another process holds the write lock, a write waits on the dispatcher, not on its caller's thread") {
        withDirectory { directory ->
            val disk = DiskBackend(directory, 1)
            disk.init()
            disk.set("k", "v1".encodeToByteArray(), null, SetCondition.ALWAYS)
            disk.get("k")?.let { (it as ByteArray).decodeToString() } shouldBe "v1"

            // Another process's writer, as SQLite sees it: a connection of its own in a write transaction.
            val other = DriverManager.getConnection("jdbc:sqlite:${shardFile(directory)}")
            other.createStatement().execute("BEGIN IMMEDIATE")
            callerThread("caller").use { caller ->
                withContext(caller) {
                    val write = async { disk.set("k", "v2".encodeToByteArray(), null, SetCondition.ALWAYS) }
                    // The caller's only thread is free while the write waits: this runs before the write can finish.
                    val probe = CompletableDeferred<Boolean>()
                    launch { probe.complete(write.isCompleted) }
                    probe.await() shouldBe false
                    other.createStatement().execute("COMMIT")
                    write.await() shouldBe true
                }
            }
            other.close()
            disk.get("k")?.let { (it as ByteArray).decodeToString() } shouldBe "v2"
            disk.close()
        }
    }
})

private fun shardFile(directory: Path): Path = directory.resolve("shard-000.sqlite")

package io.cashews.disk

import io.cashews.Cache
import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess

/**
 * The second process of [DiskProcessesSpec]: opens the disk cache in `args[0]`, says `ready`, waits for `go` on its
 * input, then increments, writes and adds `args[1]` times, as the test's own process does at the same moment.
 */
object DiskWorker {
    @JvmStatic
    fun main(args: Array<String>) {
        val directory = args[0]
        val rounds = args[1].toInt()
        try {
            runBlocking {
                val cache = Cache("disk://?directory=$directory&shards=4")
                cache.exists("warm-up")
                println("ready")
                check(readlnOrNull() == "go") { "expected 'go'" }
                repeat(rounds) { i ->
                    cache.incr("counter")
                    cache.set("worker:$i", "from the worker $i")
                    cache.setAdd("members", listOf("worker-$i"))
                }
                cache.close()
            }
        } catch (e: Throwable) {
            e.printStackTrace()
            exitProcess(1)
        }
        println("done")
    }
}

package io.cashews.test

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.io.File
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.TimeUnit

/** Starts a server and exits without closing it, as an aborted benchmark fork does; prints the server's port. */
object AbandonedRedis {
    @JvmStatic
    fun main(args: Array<String>) {
        println(RedisProcess.start().port)
        System.out.flush()
        System.exit(0)
    }
}

class RedisProcessSpec : FunSpec({
    test("a server whose JVM exits without closing it is stopped with the JVM") {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val child =
            ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AbandonedRedis::class.java.name)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
        val port =
            child.inputStream
                .bufferedReader()
                .readLine()
                .trim()
                .toInt()
        child.waitFor(60, TimeUnit.SECONDS) shouldBe true
        // The shutdown hook sent SIGKILL before the JVM was gone; the server's port closes as the kernel reaps it.
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (answers(port) && System.nanoTime() < deadline) Thread.onSpinWait()
        answers(port) shouldBe false
    }
})

private fun answers(port: Int): Boolean =
    try {
        Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 200) }
        true
    } catch (e: java.io.IOException) {
        false
    }

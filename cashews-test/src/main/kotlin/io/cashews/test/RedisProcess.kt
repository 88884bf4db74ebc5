package io.cashews.test

import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A `redis-server` child process on a free loopback port, for tests against a real Redis.
 *
 * The binary is `$REDIS_SERVER` when set, else `redis-server` on the `PATH`, else the one inside
 * `com.github.codemonstur:embedded-redis` when that is on the test classpath. The server keeps nothing on disk,
 * listens on 127.0.0.1 only, and is stopped by [close] (by its own PID), or when the JVM exits without it. [kill] and
 * [restart] take it down and bring it back on the same port, as an outage does.
 *
 * ```
 * RedisProcess.start().use { redis -> Cache(redis.url) … }
 * ```
 */
public class RedisProcess private constructor(
    private val binary: String,
    /** The port the server listens on, on 127.0.0.1. */
    public val port: Int,
    private val extraArgs: List<String>,
    /** The wall clock the server runs on, when it is controlled. */
    private val clock: ControlledClock?,
) : AutoCloseable {
    private val dir: File = Files.createTempDirectory("cashews-redis").toFile()

    @Volatile
    private var process: Process? = null

    /** Stops the server when this JVM exits without [close]: an aborted benchmark fork, a test run cut short. */
    private val reaper =
        Thread({ process?.destroyForcibly() }, "redis-server $port reaper").also {
            Runtime.getRuntime().addShutdownHook(it)
        }

    /** Whether this server's clock is frozen and moved only by [advanceClock]. */
    public val hasControlledClock: Boolean get() = clock != null

    /**
     * Moves the server's frozen wall clock forward by [by] (to the millisecond), so keys expire as if that much time
     * had passed. Only for a server from [startWithControlledClock].
     */
    public fun advanceClock(by: kotlin.time.Duration) {
        checkNotNull(clock) { "this server's clock is real; start it with startWithControlledClock()" }.advance(by)
    }

    /** `redis://127.0.0.1:<port>`. */
    public val url: String get() = "redis://127.0.0.1:$port"

    /**
     * Starts the server again on the same port (after [kill]) and waits until it answers PING, with [moreArgs] added
     * to its command line for this run. A server that finds a dataset saved in its directory (by `SAVE`) answers
     * `LOADING` while it reads it, and one that requires a password answers `NOAUTH`: both count as answering, so a
     * test can watch the loading or try credentials.
     */
    @Synchronized
    public fun restart(vararg moreArgs: String): RedisProcess {
        check(process?.isAlive != true) { "redis-server on port $port is already running" }
        val command =
            listOf(
                binary,
                "--port",
                "$port",
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.path,
            ) +
                extraArgs + moreArgs
        val builder =
            ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(File(dir, "redis.log"))
        clock?.let { builder.environment().putAll(it.environment) }
        val started = builder.start()
        process = started
        awaitPing(started)
        return this
    }

    /** Kills the server at once, as a crash would: clients see the connection drop. */
    @Synchronized
    public fun kill() {
        val running = process ?: return
        running.destroyForcibly()
        running.waitFor(10, TimeUnit.SECONDS)
        process = null
    }

    /**
     * Stops the server with `SIGSTOP`, as a hung host or a long pause would: connections stay open and nothing is
     * answered until [thaw].
     */
    public fun freeze() {
        signal("STOP")
    }

    /** Resumes a [freeze]d server with `SIGCONT`: it then runs everything it was sent meanwhile. */
    public fun thaw() {
        signal("CONT")
    }

    private fun signal(name: String) {
        val running = checkNotNull(process) { "redis-server on port $port is not running" }
        val kill = ProcessBuilder("kill", "-$name", running.pid().toString()).inheritIO().start()
        check(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) { "kill -$name ${running.pid()} failed" }
    }

    /** Whether the server process is running. */
    public val isRunning: Boolean get() = process?.isAlive == true

    override fun close() {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper)
        } catch (e: IllegalStateException) {
            // Closed while the JVM shuts down: the hook runs or has run anyway.
        }
        kill()
        clock?.close()
        dir.deleteRecursively()
    }

    private fun awaitPing(started: Process) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS)
        while (System.nanoTime() < deadline) {
            check(started.isAlive) { "redis-server exited at start: ${File(dir, "redis.log").readText().take(2_000)}" }
            if (answersPing()) return
            Thread.onSpinWait()
            started.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)
        }
        started.destroyForcibly()
        error("redis-server on port $port did not answer PING within $STARTUP_SECONDS s")
    }

    private fun answersPing(): Boolean =
        try {
            Socket().use { socket ->
                socket.connect(InetSocketAddress("127.0.0.1", port), CONNECT_MILLIS)
                socket.soTimeout = CONNECT_MILLIS
                socket.getOutputStream().write("PING\r\n".toByteArray())
                val reply = ByteArray(PONG.length)
                socket.getInputStream().read(reply) == PONG.length &&
                    String(reply) in ANSWERS
            }
        } catch (e: java.io.IOException) {
            false
        }

    public companion object {
        private const val STARTUP_SECONDS = 20L
        private const val POLL_MILLIS = 20L
        private const val CONNECT_MILLIS = 200
        private const val PONG = "+PONG"

        // The first five bytes of the replies of a running server: PONG, a dataset loading, a password required.
        private val ANSWERS = setOf(PONG, "-LOAD", "-NOAU")

        /** Starts a server on a free port; [extraArgs] are added to its command line (e.g. `--cluster-enabled yes`). */
        @JvmStatic
        public fun start(vararg extraArgs: String): RedisProcess =
            RedisProcess(binary(), freePort(), extraArgs.toList(), null).restart()

        /**
         * Starts a server whose wall clock is frozen and moved only by [advanceClock], so TTL boundaries can be tested
         * to the millisecond against a real server. The binary is chosen as for [start] (`$REDIS_SERVER` first, so a
         * valkey-server works too); its clock is controlled by a small library preloaded into it, built from C source
         * with the machine's `cc` on first use. See [controlledClockUnavailable].
         */
        @JvmStatic
        public fun startWithControlledClock(
            vararg extraArgs: String,
        ): RedisProcess = RedisProcess(binary(), freePort(), extraArgs.toList(), ControlledClock()).restart()

        /** Why [startWithControlledClock] cannot work on this machine, or `null` when it can. */
        @JvmStatic
        public fun controlledClockUnavailable(): String? = ControlledClock.unavailable()

        /** The redis-server binary tests use, resolved as the class documentation says. */
        @JvmStatic
        public fun binary(): String {
            System.getenv("REDIS_SERVER")?.takeIf { it.isNotBlank() }?.let { return it }
            System
                .getenv("PATH")
                ?.split(File.pathSeparator)
                ?.map { File(it, "redis-server") }
                ?.firstOrNull { it.canExecute() }
                ?.let { return it.path }
            return embeddedBinary()
                ?: error(
                    "no redis-server: set REDIS_SERVER, install redis-server, or add embedded-redis to the test classpath",
                )
        }

        private fun embeddedBinary(): String? =
            try {
                val providers = Class.forName("redis.embedded.core.ExecutableProvider")
                val provider = providers.getMethod("newJarResourceProvider").invoke(null)
                (providers.getMethod("get").invoke(provider) as File).path
            } catch (e: ReflectiveOperationException) {
                null
            }

        private fun freePort(): Int = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
    }
}

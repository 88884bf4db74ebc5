package io.cashews.test

import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.time.LocalDateTime
import java.time.format.DateTimeFormatter
import java.util.concurrent.TimeUnit

/**
 * A `redis-server` child process on a free loopback port, for tests against a real Redis.
 *
 * The binary is `$REDIS_SERVER` when set, else `redis-server` on the `PATH`, else the one inside
 * `com.github.codemonstur:embedded-redis` when that is on the test classpath. The server keeps nothing on disk,
 * listens on 127.0.0.1 only, and is stopped by [close] (by its own PID). [kill] and [restart] take it down and bring it
 * back on the same port, as an outage does.
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
    private val fakeTime: String?,
) : AutoCloseable {
    private val dir: File = Files.createTempDirectory("cashews-redis").toFile()
    private var process: Process? = null

    // The server's wall clock while it runs under libfaketime: frozen, and moved only by advanceClock.
    private val clockFile = File(dir, "clock")
    private var clock: LocalDateTime = FROZEN_START

    /** Whether this server's clock is frozen and moved only by [advanceClock]. */
    public val hasControlledClock: Boolean get() = fakeTime != null

    /**
     * Moves the server's frozen wall clock forward by [by] (to the millisecond), so keys expire as if that much time
     * had passed. Only for a server from [startWithControlledClock].
     */
    @Synchronized
    public fun advanceClock(by: kotlin.time.Duration) {
        check(fakeTime != null) { "this redis-server's clock is real; start it with startWithControlledClock()" }
        clock = clock.plusNanos(by.inWholeMilliseconds * 1_000_000)
        writeClock()
    }

    private fun writeClock() {
        val tmp = File(dir, "clock.tmp")
        tmp.writeText(CLOCK_FORMAT.format(clock) + "\n")
        Files.move(
            tmp.toPath(),
            clockFile.toPath(),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE,
        )
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
        if (fakeTime != null) {
            writeClock()
            builder.environment().putAll(
                mapOf(
                    "LD_PRELOAD" to fakeTime,
                    "FAKETIME_TIMESTAMP_FILE" to clockFile.path,
                    "FAKETIME_NO_CACHE" to "1",
                    // Timers and the event loop keep the real monotonic clock; only the wall clock (expiry) is frozen.
                    "FAKETIME_DONT_FAKE_MONOTONIC" to "1",
                    "TZ" to "UTC",
                ),
            )
        }
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
        kill()
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

        private const val NO_FAKETIME = "libfaketime is not installed (apt-get install faketime, or set LIBFAKETIME)"
        private const val NO_EMBEDDED = "the embedded-redis binary is not on the test classpath"
        private val FROZEN_START: LocalDateTime = LocalDateTime.of(2030, 1, 1, 0, 0)

        // Half a millisecond past each millisecond: libfaketime reads the fraction as a double, and an exact .001 can
        // come back as .000999…, which Redis would truncate to the millisecond before.
        private val CLOCK_FORMAT: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'500'")
        private val FAKETIME_LIBRARIES =
            listOf(
                "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                "/usr/lib/faketime/libfaketime.so.1",
                "/usr/local/lib/faketime/libfaketime.so.1",
            )

        /** Starts a server on a free port; [extraArgs] are added to its command line (e.g. `--cluster-enabled yes`). */
        @JvmStatic
        public fun start(vararg extraArgs: String): RedisProcess =
            RedisProcess(binary(), freePort(), extraArgs.toList(), null).restart()

        /**
         * Starts a server whose wall clock is frozen and moved only by [advanceClock], so TTL boundaries can be tested
         * to the millisecond against a real server. Needs libfaketime (Debian's `faketime` package; `$LIBFAKETIME`
         * names another path) and the embedded-redis binary on the test classpath: libfaketime cannot wrap a server
         * linked with jemalloc, as distribution builds are. See [controlledClockUnavailable].
         */
        @JvmStatic
        public fun startWithControlledClock(vararg extraArgs: String): RedisProcess {
            val library = fakeTimeLibrary() ?: error(NO_FAKETIME)
            val binary = embeddedBinary() ?: error(NO_EMBEDDED)
            return RedisProcess(binary, freePort(), extraArgs.toList(), library).restart()
        }

        /** Why [startWithControlledClock] cannot work on this machine, or `null` when it can. */
        @JvmStatic
        public fun controlledClockUnavailable(): String? =
            when {
                fakeTimeLibrary() == null -> NO_FAKETIME
                embeddedBinary() == null -> NO_EMBEDDED
                else -> null
            }

        private fun fakeTimeLibrary(): String? =
            (listOfNotNull(System.getenv("LIBFAKETIME")) + FAKETIME_LIBRARIES).firstOrNull { File(it).canRead() }

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

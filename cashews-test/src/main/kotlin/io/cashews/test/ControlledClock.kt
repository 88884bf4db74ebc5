package io.cashews.test

import java.io.File
import java.io.RandomAccessFile
import java.nio.ByteOrder
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.time.Instant
import kotlin.time.Duration

/**
 * A wall clock for a child process (a redis-server, valkey-server or nginx under test) that stands still until the
 * test moves it: start the process with [environment] added to its own, then [advance] the clock. Only the wall clock
 * is controlled (`CLOCK_REALTIME`, `gettimeofday`, `time`); the process's timers and event loop keep real time, so
 * it runs normally while entries expire only when the test says so.
 *
 * The clock is a small C library preloaded into the process (`LD_PRELOAD`), built once per JVM with the machine's C
 * compiler ([unavailable] says why it cannot be). One clock may drive several processes, moved together.
 */
public class ControlledClock(
    /** Where the clock stands at first. */
    start: Instant = DEFAULT_START,
) : AutoCloseable {
    private val dir: File = Files.createTempDirectory("cashews-clock").toFile()
    private val file = File(dir, "clock")
    private var millis: Long = start.toEpochMilli()
    private val library: String = ClockShim.library.getOrElse { error(it.message ?: "the clock shim cannot be built") }

    init {
        write()
    }

    /** What to add to a child process's environment so that it runs on this clock. */
    public val environment: Map<String, String> = mapOf("LD_PRELOAD" to library, "CASHEWS_CLOCK_FILE" to file.path)

    /** Where the clock stands now. */
    public val now: Instant @Synchronized get() = Instant.ofEpochMilli(millis)

    /** Moves the clock forward by [by], to the millisecond, for every process running on it. */
    @Synchronized
    public fun advance(by: Duration) {
        require(!by.isNegative()) { "a controlled clock only moves forward, not by $by" }
        millis += by.inWholeMilliseconds
        write()
    }

    // One aligned 8-byte store into the file the processes map: each sees the old time or the new, never a mix.
    private fun write() {
        RandomAccessFile(file, "rw").use { raf ->
            raf.channel
                .map(FileChannel.MapMode.READ_WRITE, 0, Long.SIZE_BYTES.toLong())
                .order(ByteOrder.nativeOrder())
                .putLong(0, millis)
        }
    }

    /** Removes the clock's file; processes still running on it keep the time they last saw. */
    override fun close() {
        dir.deleteRecursively()
    }

    public companion object {
        /** Where a clock starts unless told otherwise: 2030-01-01T00:00:00Z. */
        public val DEFAULT_START: Instant = Instant.parse("2030-01-01T00:00:00Z")

        /** Why a controlled clock cannot work on this machine (no C compiler, say), or `null` when it can. */
        @JvmStatic
        public fun unavailable(): String? = ClockShim.library.exceptionOrNull()?.message
    }
}

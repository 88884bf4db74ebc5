package io.cashews.bench

import io.cashews.Cache
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import org.sqlite.SQLiteConfig
import java.sql.Connection
import java.sql.DriverManager
import java.sql.PreparedStatement
import java.util.Properties

/**
 * The loops of [DiskBenchmark]: [BATCH] gets or sets of 1 KB values per invocation, from [concurrency] coroutines
 * that each await one command at a time, and the raw sqlite-jdbc anchor doing the same single-row statements in a
 * plain loop on one connection.
 */
public object DiskLoops {
    /** Commands per benchmark invocation. */
    public const val BATCH: Int = 1024

    // The callers run on Dispatchers.Default, as a server's coroutines do: the hop to the disk dispatcher then often
    // stays on the same thread (Default and IO share theirs), where a caller blocked in runBlocking pays two thread
    // wake-ups per command.
    private inline fun inFlight(concurrency: Int, crossinline command: suspend (Int) -> Unit) =
        inFlight(BATCH, concurrency, Dispatchers.Default, command)

    /** Our `get` of present keys. */
    @JvmStatic
    public fun get(cache: Cache, keys: Array<String>, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { i -> bh.consume(cache.get<String>(keys[i and (keys.size - 1)])) }
    }

    /** Our `set`, encoding [value] each time. */
    @JvmStatic
    public fun set(cache: Cache, keys: Array<String>, value: String, concurrency: Int, bh: Blackhole) {
        inFlight(concurrency) { i -> bh.consume(cache.set(keys[i and (keys.size - 1)], value)) }
    }

    /** Writes every key once, so gets hit. */
    @JvmStatic
    public fun populate(cache: Cache, keys: Array<String>, value: String): Unit =
        runBlocking { for (key in keys) cache.set(key, value) }

    /** Closes [cache] from Java. */
    @JvmStatic
    public fun close(cache: Cache): Unit = runBlocking { cache.close() }

    /**
     * Raw sqlite-jdbc on one file with the pragmas our backend uses (WAL, `synchronous = NORMAL`): a key-value table
     * and its two prepared statements, the least a disk cache must do per command. Generated keys are off, which
     * spares every `INSERT` a `SELECT last_insert_rowid()`: the ceiling is sqlite-jdbc at its fastest.
     */
    public class Raw(
        file: String,
    ) : AutoCloseable {
        private val connection: Connection =
            DriverManager.getConnection(
                "jdbc:sqlite:$file",
                Properties().apply { setProperty(SQLiteConfig.Pragma.JDBC_GET_GENERATED_KEYS.pragmaName, "false") },
            )

        init {
            connection.createStatement().use {
                it.execute("PRAGMA journal_mode = WAL")
                it.execute("PRAGMA synchronous = NORMAL")
                it.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL)")
            }
        }

        private val select: PreparedStatement = connection.prepareStatement("SELECT value FROM kv WHERE key = ?")
        private val upsert: PreparedStatement =
            connection.prepareStatement(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )

        /** [BATCH] single-row SELECTs of present keys. */
        public fun get(keys: Array<String>, bh: Blackhole) {
            for (i in 0 until BATCH) {
                select.setString(1, keys[i and (keys.size - 1)])
                select.executeQuery().use { row -> bh.consume(if (row.next()) row.getBytes(1) else null) }
            }
        }

        private var writes = 0L

        /**
         * [BATCH] single-row upserts of [value], each with its first 8 bytes replaced by a count of writes. SQLite
         * leaves a page untouched when a row is overwritten with identical bytes, and such a commit writes nothing:
         * each write here changes its row, as a cache's writes do (ours change at least the access time).
         */
        public fun set(keys: Array<String>, value: ByteArray, bh: Blackhole) {
            val row = value.copyOf()
            for (i in 0 until BATCH) {
                stamp(row, ++writes)
                upsert.setString(1, keys[i and (keys.size - 1)])
                upsert.setBytes(2, row)
                bh.consume(upsert.executeUpdate())
            }
        }

        private fun stamp(row: ByteArray, count: Long) {
            for (b in 0 until Long.SIZE_BYTES) row[b] = (count ushr (8 * b)).toByte()
        }

        override fun close() {
            select.close()
            upsert.close()
            connection.close()
        }
    }
}

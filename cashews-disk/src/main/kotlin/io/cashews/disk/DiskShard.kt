package io.cashews.disk

import io.cashews.BackendUnavailableError
import io.cashews.RemovalReason
import io.cashews.SetupError
import org.slf4j.LoggerFactory
import org.sqlite.SQLiteErrorCode
import org.sqlite.SQLiteException
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.sql.Connection
import java.sql.DriverManager
import java.sql.PreparedStatement
import java.sql.ResultSet
import java.sql.SQLException
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

/**
 * One SQLite file of a [DiskBackend]: its connection (WAL), its prepared statements, and its schema.
 *
 * The connection never waits inside SQLite: its busy timeout is zero once open, and its automatic checkpoints are
 * off. Waiting (for another process's write lock, for a checkpoint's `fsync`) happens in [use] only, on the backend's
 * dispatcher, so that [tryUse] can run a command on its caller's thread whenever nothing needs waiting for.
 *
 * The file holds one `entries` table (key, kind, value, expiry, last access, size, and a CRC32C checksum of key, kind
 * and value) and a `meta` table whose `size`
 * row triggers keep equal to the sum of the entries' sizes, in the same transaction as every change, whichever
 * process makes it. A file that is not an SQLite database, or a damaged one, is moved aside and rebuilt empty (its
 * entries were a cache's); an SQLite database of another shape is never touched: opening it fails.
 *
 * Every method runs under the shard's lock: the connection is used by one thread at a time.
 */
internal class DiskShard(
    val file: Path,
    private val shards: Int,
    private val busyTimeoutMillis: Long,
    /** How large the write-ahead log may grow before it is checkpointed, and what it is truncated to after. */
    private val walLimitBytes: Long,
) {
    private val lock = ReentrantLock()
    private var connection: Connection? = null
    private val statements = HashMap<String, PreparedStatement>()

    /**
     * What the current command removed, for the backend's removal listener: recorded only when the backend has one, told once
     * the command is done, and forgotten when a transaction rolls back (the backend forgets a failed attempt's).
     */
    val removals = ArrayList<Removal>()

    /** One entry removed, with its stored bytes and why. */
    class Removal(val key: String, val value: ByteArray?, val reason: RemovalReason)

    /** Notes that [key], holding [value], was removed for [reason]. */
    fun removed(key: String, value: ByteArray?, reason: RemovalReason) {
        removals += Removal(key, value, reason)
    }

    /** Takes what [removals] holds, leaving it empty. */
    fun takeRemovals(): List<Removal> {
        if (removals.isEmpty()) return emptyList()
        return ArrayList(removals).also { removals.clear() }
    }

    private fun forgetRemovalsAfter(mark: Int) {
        while (removals.size > mark) removals.removeAt(removals.size - 1)
    }

    /** How many times this shard's file was found damaged and rebuilt. */
    @Volatile
    var rebuilds: Int = 0
        private set

    /**
     * A checkpoint of the write-ahead log is due: the connection's own (automatic) checkpoints are off because they
     * `fsync`, and a command run on its caller's thread must not wait on the disk. The next command runs on the
     * backend's dispatcher and checkpoints first ([use]).
     */
    private var checkpointDue = false
    private var writesSinceCheckpoint = 0L
    private val checkpointEvery = (walLimitBytes / (PAGE_BYTES * PAGES_PER_WRITE)).coerceAtLeast(1)

    /**
     * An eviction for the size limit found the file busy (another process writing) after its command had committed,
     * so it did not run; the next command runs on the backend's dispatcher and evicts first.
     */
    var evictionDue: Boolean = false

    /**
     * Runs [block] with the open connection, opening (or rebuilding) the file first if needed, and checkpointing the
     * log when due. Waits for this shard's other commands, and for other processes' writes up to the busy timeout.
     */
    fun <T> use(block: DiskShard.() -> T): T =
        lock.withLock {
            retryingBusy {
                if (checkpointDue) checkpoint()
                block()
            }
        }

    /**
     * Runs [block] on the calling thread when it needs no waiting at all, and answers [NotRun] otherwise: when
     * another command holds the shard, when the file is not open yet or maintenance is due, or when another process
     * holds SQLite's write lock (the connection's busy timeout is zero, so SQLite answers at once). The block is one
     * statement or one transaction, rolled back when busy, so the caller can run it again through [use].
     */
    fun tryUse(block: DiskShard.() -> Any?): Any? {
        // Held by this thread already: a listener calling back in. Never nest on one connection.
        if (lock.isHeldByCurrentThread || !lock.tryLock()) return NotRun
        try {
            if (connection == null || checkpointDue || evictionDue) return NotRun
            return try {
                block()
            } catch (e: SQLException) {
                if (busy(e)) NotRun else throw failure(e)
            }
        } finally {
            lock.unlock()
        }
    }

    /** What [tryUse] answers when the block must run on the backend's dispatcher instead. */
    object NotRun

    private fun checkpoint() {
        // PASSIVE copies what it can without waiting for anyone; the log is reset by the next write once it is all
        // copied, and truncated to the limit then (journal_size_limit).
        connection!!.createStatement().use { it.execute("PRAGMA wal_checkpoint(PASSIVE)") }
        checkpointDue = false
        writesSinceCheckpoint = 0
    }

    /**
     * SQLite answers SQLITE_BUSY at once (the connection's busy timeout is zero, so [tryUse] never waits). Here those
     * answers are waited out, within the backend's busy timeout, by running the block again after a pause. A block is
     * one statement or one transaction, rolled back on failure, so running it again is safe.
     */
    private fun <T> retryingBusy(block: DiskShard.() -> T): T {
        val deadline = System.nanoTime() + busyTimeoutMillis * NANOS_PER_MILLI
        var pause = 1L
        while (true) {
            try {
                if (connection == null) open()
                return block()
            } catch (e: SQLException) {
                if (!busy(e) || System.nanoTime() >= deadline) throw failure(e)
                Thread.sleep(pause)
                pause = (pause * 2).coerceAtMost(MAX_PAUSE_MILLIS)
            }
        }
    }

    /** Whether [e] is SQLite's answer that another connection holds a lock it needs. */
    fun busy(e: SQLException): Boolean =
        (e as? SQLiteException)?.resultCode?.name?.startsWith("SQLITE_BUSY") == true

    /**
     * Runs [block] in one `BEGIN IMMEDIATE` transaction, inside a command of [use] or [tryUse]: the write lock is taken
     * first, so a read-modify-write inside is atomic across every process sharing the file. When another process holds
     * it, the transaction fails busy and the command is run again (or handed to the dispatcher).
     */
    fun <T> transaction(block: DiskShard.() -> T): T {
        val mark = removals.size
        statement("BEGIN IMMEDIATE").execute()
        var done = false
        try {
            return block().also {
                statement("COMMIT").execute()
                done = true
            }
        } finally {
            if (!done) {
                runCatching { statement("ROLLBACK").execute() }
                forgetRemovalsAfter(mark)
            }
        }
    }

    /** The prepared statement for [sql], made once per connection, with [binds] set. */
    fun statement(sql: String, vararg binds: Any?): PreparedStatement {
        // Not cleared first: every use of one SQL text binds all of its parameters.
        val statement = statements.getOrPut(sql) { connection!!.prepareStatement(sql) }
        binds.forEachIndexed { i, value ->
            when (value) {
                null -> statement.setNull(i + 1, java.sql.Types.NULL)
                is String -> statement.setString(i + 1, value)
                is Long -> statement.setLong(i + 1, value)
                is Int -> statement.setInt(i + 1, value)
                is ByteArray -> statement.setBytes(i + 1, value)
                else -> error("cannot bind ${value.javaClass.name}")
            }
        }
        return statement
    }

    fun update(sql: String, vararg binds: Any?): Int =
        statement(sql, *binds).executeUpdate().also {
            if (++writesSinceCheckpoint >= checkpointEvery) checkpointDue = true
        }

    inline fun <T> query(sql: String, vararg binds: Any?, read: (ResultSet) -> T): T =
        statement(
            sql,
            *binds,
        ).executeQuery().use(read)

    /** The sum of the sizes of this shard's entries, live or expired. */
    fun storedBytes(): Long =
        query(
            "SELECT value FROM meta WHERE name = 'size'",
        ) { if (it.next()) it.getLong(1) else 0 }

    fun close() {
        lock.withLock {
            statements.values.forEach { runCatching { it.close() } }
            statements.clear()
            connection?.let { runCatching { it.close() } }
            connection = null
        }
    }

    private fun open() {
        try {
            connect()
        } catch (e: Exception) {
            // Half open (a busy file, a foreign one): closed, so the next attempt starts clean.
            close()
            if (e !is SQLiteException || !damaged(e)) throw e
            rebuild(e)
            connect()
        }
    }

    private fun connect() {
        val connection = DriverManager.getConnection("jdbc:sqlite:$file")
        this.connection = connection
        connection.createStatement().use { statement ->
            statement.execute("PRAGMA busy_timeout = $busyTimeoutMillis")
            // A damaged file often opens; the first read of its pages is what fails.
            statement.executeQuery("PRAGMA quick_check").use { check ->
                val result = if (check.next()) check.getString(1) else "ok"
                if (result != "ok") throw SQLiteException("quick_check: $result", SQLiteErrorCode.SQLITE_CORRUPT)
            }
            statement.execute("PRAGMA journal_mode = WAL")
            statement.execute("PRAGMA synchronous = NORMAL")
            // The log is checkpointed into the database every walLimitBytes and truncated back to that size, so the
            // files on disk stay near the size limit instead of holding a log of up to 4 MB per shard besides it.
            // Checkpoints wait for the disk (fsync), so the commit that crosses the limit does not run one: [use] does,
            // on the backend's dispatcher, every checkpointEvery writes.
            statement.execute("PRAGMA wal_autocheckpoint = 0")
            statement.execute("PRAGMA journal_size_limit = $walLimitBytes")
        }
        if (!hasTable("entries")) createSchema() else checkSchema()
        // From here SQLite never waits for another process's lock: [retryingBusy] waits on the dispatcher, and
        // [tryUse] hands the command over to it instead.
        connection.createStatement().use { it.execute("PRAGMA busy_timeout = 0") }
    }

    private fun hasTable(name: String): Boolean =
        query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name) { it.next() }

    private fun createSchema() {
        connection!!.createStatement().use { statement ->
            statement.execute("BEGIN IMMEDIATE")
            try {
                // Another process may have created it meanwhile.
                if (!hasTable("entries")) {
                    for (sql in SCHEMA) statement.execute(sql)
                    update(
                        "INSERT INTO meta (name, value) VALUES ('format', ?), ('shards', ?), ('size', 0)",
                        FORMAT,
                        shards,
                    )
                }
                statement.execute("COMMIT")
            } catch (e: SQLException) {
                runCatching { statement.execute("ROLLBACK") }
                throw e
            }
        }
        checkSchema()
    }

    private fun checkSchema() {
        var format = if (hasTable("meta")) meta("format") else null
        if (format == UNCHECKED_FORMAT.toLong()) {
            addChecksums()
            format = meta("format")
        }
        if (format != FORMAT.toLong()) {
            throw SetupError(
                "'$file' is an SQLite database that cashews did not write (format ${format ?: "none"}); " +
                    "it is left as it is: point the disk cache at a directory of its own",
            )
        }
        val written = meta("shards")
        if (written != shards.toLong()) {
            throw SetupError(
                "the disk cache in '${file.parent}' was written with shards=$written; open it with shards=$written " +
                    "(keys are spread by the shard count) or use another directory",
            )
        }
    }

    /**
     * Brings a file of the format before checksums to the current one: its rows keep a `NULL` checksum and are read
     * unchecked until rewritten. Under the write lock, so concurrent openers migrate it once.
     */
    private fun addChecksums() {
        connection!!.createStatement().use { statement ->
            statement.execute("BEGIN IMMEDIATE")
            try {
                if (meta("format") == UNCHECKED_FORMAT.toLong()) {
                    statement.execute("ALTER TABLE entries ADD COLUMN crc INTEGER")
                    update("UPDATE meta SET value = ? WHERE name = 'format'", FORMAT)
                }
                statement.execute("COMMIT")
            } catch (e: SQLException) {
                runCatching { statement.execute("ROLLBACK") }
                throw e
            }
        }
    }

    private fun meta(name: String): Long? =
        query("SELECT value FROM meta WHERE name = ?", name) {
            if (it.next()) it.getLong(1) else null
        }

    /** Moves the damaged file (and its WAL) aside, so it can be looked at, and lets [connect] start an empty one. */
    private fun rebuild(cause: SQLiteException) {
        val aside = file.resolveSibling("${file.fileName}.damaged-${System.currentTimeMillis()}")
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING)
        for (suffix in listOf("-wal", "-shm")) Files.deleteIfExists(file.resolveSibling("${file.fileName}$suffix"))
        rebuilds++
        log.warn("disk cache shard '{}' is damaged ({}); moved to '{}' and rebuilt empty", file, cause.message, aside)
    }

    private fun damaged(e: SQLiteException): Boolean =
        e.resultCode == SQLiteErrorCode.SQLITE_NOTADB || e.resultCode == SQLiteErrorCode.SQLITE_CORRUPT

    /** An SQL failure as the caller sees it: a typed error that names the file. */
    private fun failure(e: SQLException): Exception {
        val code = (e as? SQLiteException)?.resultCode
        if (code != null && damaged(e)) {
            // Damaged while open (the file was overwritten under us): rebuilt at the next command.
            close()
        }
        return BackendUnavailableError("disk cache shard '$file' failed: ${e.message}", e)
    }

    private companion object {
        const val FORMAT = 2

        /** The format before values carried a checksum; opened files of it are migrated. */
        const val UNCHECKED_FORMAT = 1
        const val PAGE_BYTES = 4_096L

        /** About the log pages a write adds: the row's, its key's, last access's and expiry's index pages, `meta`. */
        const val PAGES_PER_WRITE = 5L
        const val NANOS_PER_MILLI = 1_000_000L
        const val MAX_PAUSE_MILLIS = 50L
        val log = LoggerFactory.getLogger(DiskBackend::class.java)

        val SCHEMA =
            listOf(
                """
                CREATE TABLE entries (
                    key TEXT NOT NULL PRIMARY KEY,
                    kind INTEGER NOT NULL,
                    value BLOB NOT NULL,
                    expires_at INTEGER,
                    accessed_at INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    crc INTEGER
                )
                """,
                "CREATE INDEX entries_by_access ON entries (accessed_at)",
                "CREATE INDEX entries_by_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL",
                "CREATE TABLE meta (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL)",
                """
                CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN
                    UPDATE meta SET value = value + NEW.size WHERE name = 'size';
                END
                """,
                """
                CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN
                    UPDATE meta SET value = value - OLD.size WHERE name = 'size';
                END
                """,
                """
                CREATE TRIGGER entries_resized AFTER UPDATE OF size ON entries BEGIN
                    UPDATE meta SET value = value - OLD.size + NEW.size WHERE name = 'size';
                END
                """,
            )
    }
}

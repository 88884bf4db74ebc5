package io.cashews.disk

import io.cashews.Backend
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.SetupError
import java.nio.file.InvalidPathException
import java.nio.file.Path

/**
 * Registers `disk://` with [io.cashews.Cache.setup].
 *
 * URL: `disk://?directory=/var/cache/app&shards=8&size_limit=1gb&timeout=10s&purge_interval=1m&run_on_caller=true`,
 * every parameter optional: `directory` defaults to [DiskBackend.DEFAULT_DIRECTORY] (`~/.cache/cashews`); `shards=0`
 * is one shard, as in the reference; `size_limit` takes bytes with an optional `kb`, `mb` or `gb` suffix (powers of
 * 1024), or `0` for no limit; `timeout` is how long a command waits for another process's write; `run_on_caller=false`
 * sends every command to the backend's dispatcher ([DiskBackend.runOnCaller]).
 */
public class DiskBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("disk")

    override fun create(settings: BackendSettings): Backend {
        val rest = settings.address.substringAfter("://")
        if (rest.isNotEmpty()) {
            throw SetupError(
                "give the disk cache's directory as a parameter: disk://?directory=$rest, not '${settings.address}'",
            )
        }
        val directory =
            settings.string("directory")?.let { raw ->
                try {
                    Path.of(raw)
                } catch (e: InvalidPathException) {
                    throw SetupError(
                        "setup parameter 'directory' has value '$raw', which is not a path: ${e.message}",
                        e,
                    )
                }
            } ?: DiskBackend.DEFAULT_DIRECTORY
        return DiskBackend(
            directory = directory,
            // 0 is the reference's (and diskcache's) single unsharded cache: one shard.
            shards = settings.long("shards", DiskBackend.DEFAULT_SHARDS.toLong(), 0L..256L).toInt().coerceAtLeast(1),
            sizeLimit = sizeLimit(settings),
            busyTimeout = settings.duration("timeout", null) ?: DiskBackend.DEFAULT_BUSY_TIMEOUT,
            purgeInterval = settings.duration("purge_interval", null) ?: DiskBackend.DEFAULT_PURGE_INTERVAL,
            timeSource = settings.timeSource,
            runOnCaller = settings.boolean("run_on_caller", true),
        )
    }

    /** `size_limit` in bytes; `0` turns the bound off. */
    private fun sizeLimit(settings: BackendSettings): Long? =
        settings.bytes("size_limit", DiskBackend.DEFAULT_SIZE_LIMIT)?.takeIf { it > 0 }
}

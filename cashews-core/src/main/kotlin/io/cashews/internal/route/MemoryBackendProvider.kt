package io.cashews.internal.route

import io.cashews.Backend
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.MemoryBackend
import io.cashews.SetupError
import kotlin.time.Duration.Companion.seconds

/**
 * `mem://?size=…&check_interval=…&close_values=…&idle_ttl=…&max_bytes=…&soft_values=…`; `check_interval=0` turns
 * the expiry sweep off, and `max_bytes` bounds the entries by their default weight instead of by `size`.
 */
internal class MemoryBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("mem")

    override fun create(settings: BackendSettings): Backend =
        MemoryBackend(
            size = settings.long("size", MemoryBackend.DEFAULT_SIZE, 1..Long.MAX_VALUE),
            checkInterval = settings.duration("check_interval", 1.seconds, zeroMeansNone = true),
            timeSource = settings.timeSource,
            closeValues = settings.boolean("close_values", false),
            scope = settings.scope,
            idleTtl = settings.duration("idle_ttl", null, zeroMeansNone = true),
            maxBytes =
                settings.bytes("max_bytes", null)?.also {
                    if (it ==
                        0L
                    ) {
                        throw SetupError("setup parameter 'max_bytes' must be positive")
                    }
                },
            softValues = settings.boolean("soft_values", false),
        )
}

package io.cashews.redis

import io.cashews.Backend
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.SetupError
import io.lettuce.core.RedisURI

/**
 * Registers `redis://` and `rediss://` (TLS, trusting the JVM's trust store) with [io.cashews.Cache.setup].
 *
 * URL: `redis://[[user]:password@]host[:port][/db]?socket_timeout=1s&connect_timeout=1s&suppress=true&client_name=…`.
 */
public class RedisBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("redis", "rediss")

    override fun create(settings: BackendSettings): Backend {
        val uri =
            try {
                RedisURI.create(settings.address)
            } catch (e: IllegalArgumentException) {
                throw SetupError("'${settings.address}' is not a Redis URL: ${e.message}", e)
            }
        settings.string("client_name")?.let { uri.clientName = it }
        return RedisBackend(
            uri = uri,
            commandTimeout = settings.duration("socket_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            connectTimeout = settings.duration("connect_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            suppress = settings.boolean("suppress", true),
        )
    }
}

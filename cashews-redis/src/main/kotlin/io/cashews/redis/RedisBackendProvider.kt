package io.cashews.redis

import io.cashews.Backend
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.SetupError
import io.lettuce.core.RedisURI

/**
 * Registers `redis://`, `rediss://` (TLS, trusting the JVM's trust store) and `redis-cluster://` with
 * [io.cashews.Cache.setup].
 *
 * URL: `redis://[[user]:password@]host[:port][/db]?socket_timeout=1s&connect_timeout=1s&suppress=true&client_name=…`;
 * a Redis Cluster is `redis-cluster://host:port` (any node) or `redis://host:port?cluster=true`.
 */
public class RedisBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("redis", "rediss", CLUSTER_SCHEME)

    override fun create(settings: BackendSettings): Backend {
        val clusterScheme = settings.scheme == CLUSTER_SCHEME
        val cluster = settings.boolean("cluster", clusterScheme)
        val address = if (clusterScheme) "redis://" + settings.address.substringAfter("://") else settings.address
        val uri =
            try {
                RedisURI.create(address)
            } catch (e: IllegalArgumentException) {
                throw SetupError("'${settings.address}' is not a Redis URL: ${e.message}", e)
            }
        if (cluster &&
            uri.database != 0
        ) {
            throw SetupError("a Redis Cluster has only database 0; '${settings.address}' asks for ${uri.database}")
        }
        settings.string("client_name")?.let { uri.clientName = it }
        return RedisBackend(
            uri = uri,
            commandTimeout = settings.duration("socket_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            connectTimeout = settings.duration("connect_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            suppress = settings.boolean("suppress", true),
            cluster = cluster,
        )
    }

    private companion object {
        const val CLUSTER_SCHEME = "redis-cluster"
    }
}

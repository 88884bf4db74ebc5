package io.cashews.redis

import io.cashews.Backend
import io.cashews.BackendProvider
import io.cashews.BackendSettings
import io.cashews.SetupError
import io.lettuce.core.RedisURI
import io.lettuce.core.SslOptions
import io.lettuce.core.SslVerifyMode
import java.io.File

/**
 * Registers `redis://`, `rediss://` (TLS) and `redis-cluster://` with
 * [io.cashews.Cache.setup].
 *
 * URL: `redis://[[user]:password@]host[:port][/db]?socket_timeout=1s&connect_timeout=1s&suppress=true&client_name=…`;
 * a Redis Cluster is `redis-cluster://host:port` (any node) or `redis://host:port?cluster=true`. TLS
 * (`rediss://`) takes `ssl_ca_certs` (the CA to trust, PEM), `ssl_certfile` and `ssl_keyfile` (a client certificate
 * and its PKCS#8 key, PEM) and `ssl_check_hostname` (default on). `client_side=true` turns the client-side cache
 * on (standalone only), `client_side_size` bounds it (default 10 000 values). `outage_timeouts` (default 3; 0 for
 * never) is how many consecutive command timeouts take Redis as down, so commands answer at once until a background
 * probe is answered.
 */
public class RedisBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("redis", "rediss", CLUSTER_SCHEME)

    override fun create(settings: BackendSettings): Backend {
        val clusterScheme = settings.scheme == CLUSTER_SCHEME
        val cluster = settings.boolean("cluster", clusterScheme)
        val address = if (clusterScheme) "redis://" + settings.address.substringAfter("://") else settings.address
        checkPorts(settings)
        val uri =
            try {
                RedisURI.create(address)
            } catch (e: IllegalArgumentException) {
                // Not the client's message: it may quote the password.
                throw SetupError("'${settings.shownAddress}' is not a Redis URL")
            }
        if (cluster &&
            uri.database != 0
        ) {
            throw SetupError("a Redis Cluster has only database 0; '${settings.shownAddress}' asks for ${uri.database}")
        }
        settings.string("client_name")?.let { uri.clientName = it }
        val ssl = sslOptions(settings, uri)
        val clientSide = settings.boolean("client_side", false)
        if (clientSide &&
            cluster
        ) {
            throw SetupError(
                "client_side is not available on a Redis Cluster ('${settings.shownAddress}'): " +
                    "its node connections are tracked and reconnect one by one, and a copy could outlive a reconnect it did not see",
            )
        }
        return RedisBackend(
            uri = uri,
            commandTimeout = settings.duration("socket_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            connectTimeout = settings.duration("connect_timeout", null) ?: RedisBackend.DEFAULT_TIMEOUT,
            suppress = settings.boolean("suppress", true),
            outageTimeouts =
                settings
                    .long("outage_timeouts", RedisBackend.DEFAULT_OUTAGE_TIMEOUTS.toLong(), 0..MAX_OUTAGE_TIMEOUTS)
                    .toInt(),
            cluster = cluster,
            ssl = ssl,
            clientSide = clientSide,
            clientSideSize =
                settings.long(
                    "client_side_size",
                    RedisBackend.DEFAULT_CLIENT_SIDE_SIZE,
                    1..Long.MAX_VALUE,
                ),
        )
    }

    /** TLS from `ssl_ca_certs`, `ssl_certfile` + `ssl_keyfile` (PEM, the key in PKCS#8) and `ssl_check_hostname`. */
    private fun sslOptions(settings: BackendSettings, uri: RedisURI): SslOptions? {
        val ca = pemFile(settings, "ssl_ca_certs")
        val cert = pemFile(settings, "ssl_certfile")
        val key = pemFile(settings, "ssl_keyfile")
        val checkHostname = settings.boolean("ssl_check_hostname", true)
        val given = ca != null || cert != null || key != null
        if (given &&
            !uri.isSsl
        ) {
            throw SetupError("TLS parameters need a rediss:// URL; '${settings.shownAddress}' is not one")
        }
        if ((cert == null) !=
            (key == null)
        ) {
            throw SetupError("ssl_certfile and ssl_keyfile go together: give both or neither")
        }
        if (!checkHostname) uri.setVerifyPeer(SslVerifyMode.CA)
        if (!given) return null
        val options = SslOptions.builder().jdkSslProvider()
        ca?.let(options::trustManager)
        if (cert != null && key != null) options.keyManager(cert, key, null)
        return options.build()
    }

    /**
     * Every `host:port` of the address has a port from 1 to 65535 when it has one: the client would otherwise take a
     * malformed port for no port at all and connect to 6379.
     */
    private fun checkPorts(settings: BackendSettings) {
        val authority =
            settings.address
                .substringAfter("://")
                .substringBefore('/')
                .substringAfterLast('@')
        for (node in authority.split(',')) {
            // An IPv6 literal is bracketed: its colons are not a port separator.
            val afterHost = if (node.startsWith('[')) node.substringAfter(']', "") else node
            if (':' !in afterHost) continue
            val port = afterHost.substringAfterLast(':')
            if (port.toIntOrNull() !in 1..65_535) {
                throw SetupError("'${settings.shownAddress}' has port '$port': expected a number from 1 to 65535")
            }
        }
    }

    private fun pemFile(settings: BackendSettings, name: String): File? {
        val path = settings.string(name) ?: return null
        val file = File(path)
        if (!file.canRead()) throw SetupError("setup parameter '$name' names '$path', which is not a readable file")
        return file
    }

    private companion object {
        const val CLUSTER_SCHEME = "redis-cluster"
        const val MAX_OUTAGE_TIMEOUTS = 1_000L
    }
}

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
 * `db` and `password` may also be parameters, and the reference's names are accepted: `safe` for `suppress`,
 * `socket_connect_timeout`, `create_connection_timeout` and `wait_for_connection_timeout` for `connect_timeout`,
 * `minsize` and `max_connections` (checked; one multiplexed connection needs no pool);
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
        database(settings, uri, cluster)
        settings.string("password")?.let { password ->
            val userInfo =
                settings.address
                    .substringAfter("://")
                    .substringBefore('/')
                    .substringBeforeLast('@', "")
            if (userInfo.isNotEmpty()) {
                throw SetupError("give the Redis credentials in the URL or as 'password', not both")
            }
            uri.setAuthentication(password as CharSequence)
        }
        poolSettings(settings)
        if (settings.boolean("retry_on_timeout", false)) {
            throw SetupError(
                "retry_on_timeout is not offered: a command that timed out may still have run, and repeating an " +
                    "INCR, a lock or a rate-limit step would apply it twice; give the loads that should retry a " +
                    "strategy retry (Retry / @CacheRetry) instead",
            )
        }
        if (settings.string("client_side_prefix") != null && !settings.boolean("client_side", false)) {
            throw SetupError("client_side_prefix goes with client_side=true; to prefix keys without it, use key_prefix")
        }
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
            connectTimeout = connectTimeout(settings),
            suppress = suppress(settings),
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

    /**
     * The database from `db`, beside or instead of the URL's path (`redis://host/2`); both must agree. redis-py and
     * the reference take it either way.
     */
    private fun database(settings: BackendSettings, uri: RedisURI, cluster: Boolean) {
        val db = settings.string("db") ?: return
        val number =
            db.trim().toIntOrNull()?.takeIf { it >= 0 }
                ?: throw SetupError("setup parameter 'db' has value '$db', expected a database number (0 or more)")
        val inPath =
            settings.address
                .substringAfter("://")
                .substringAfter('/', "")
                .trim('/')
        if (inPath.isNotEmpty() && inPath.toIntOrNull() != number) {
            throw SetupError("'${settings.shownAddress}' names database '$inPath' and 'db' names $number: give one")
        }
        if (cluster && number != 0) {
            throw SetupError("a Redis Cluster has only database 0; 'db' asks for $number")
        }
        uri.database = number
    }

    /**
     * `connect_timeout`, or one of the names redis-py and the reference give it: `socket_connect_timeout`,
     * `create_connection_timeout`, and `wait_for_connection_timeout` (waiting for a pooled connection, which on one
     * multiplexed connection is waiting for it to connect). Plain numbers are seconds, fractions allowed.
     */
    private fun connectTimeout(settings: BackendSettings): kotlin.time.Duration {
        val given =
            CONNECT_TIMEOUT_NAMES.mapNotNull { name -> settings.duration(name, null)?.let { name to it } }
        if (given.map { it.second }.distinct().size > 1) {
            throw SetupError(
                "${given.joinToString(" and ") { "'${it.first}'" }} set the same connect timeout: give one",
            )
        }
        return given.firstOrNull()?.second ?: RedisBackend.DEFAULT_TIMEOUT
    }

    /** `suppress`, or `safe`, its name in the reference before 7.4; both at once must agree. */
    private fun suppress(settings: BackendSettings): Boolean {
        val suppress = settings.string("suppress")?.let { settings.boolean("suppress", true) }
        val safe = settings.string("safe")?.let { settings.boolean("safe", true) }
        if (suppress != null && safe != null && suppress != safe) {
            throw SetupError("setup parameters 'suppress' and 'safe' (its former name) differ: give one")
        }
        return suppress ?: safe ?: true
    }

    /**
     * `minsize` and `max_connections` size a connection pool in the reference. Here every command shares one
     * multiplexed connection (pipelined by the client, no pool to wait for), so they are checked and have nothing
     * else to set.
     */
    private fun poolSettings(settings: BackendSettings) {
        settings.long("minsize", 1, 0..MAX_POOL)
        settings.long("max_connections", 1, 1..MAX_POOL)
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
        const val MAX_POOL = 10_000L
        val CONNECT_TIMEOUT_NAMES =
            listOf(
                "connect_timeout",
                "socket_connect_timeout",
                "create_connection_timeout",
                "wait_for_connection_timeout",
            )
    }
}

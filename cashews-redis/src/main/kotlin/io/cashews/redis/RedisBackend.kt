package io.cashews.redis

import io.cashews.Backend
import io.cashews.BackendCommandError
import io.cashews.BackendConfigurationError
import io.cashews.BackendUnavailableError
import io.cashews.BitsBackend
import io.cashews.InvalidationBusBackend
import io.cashews.KeyTtl
import io.cashews.LocalCopy
import io.cashews.LocalCopyBackend
import io.cashews.LockBackend
import io.cashews.LockReleaseBackend
import io.cashews.LockReleaseWatch
import io.cashews.NotAnIntegerError
import io.cashews.OutageSuppressingBackend
import io.cashews.RaiseOutages
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import io.lettuce.core.AbstractRedisClient
import io.lettuce.core.BitFieldArgs
import io.lettuce.core.ClientOptions
import io.lettuce.core.RedisChannelHandler
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisCommandTimeoutException
import io.lettuce.core.RedisConnectionStateListener
import io.lettuce.core.RedisURI
import io.lettuce.core.ScanArgs
import io.lettuce.core.ScanCursor
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.SetArgs
import io.lettuce.core.SocketOptions
import io.lettuce.core.SslOptions
import io.lettuce.core.TimeoutOptions
import io.lettuce.core.TrackingArgs
import io.lettuce.core.api.StatefulConnection
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.api.push.PushListener
import io.lettuce.core.cluster.ClusterClientOptions
import io.lettuce.core.cluster.RedisClusterClient
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands
import io.lettuce.core.codec.ByteArrayCodec
import io.lettuce.core.codec.RedisCodec
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.protocol.ProtocolVersion
import io.lettuce.core.resource.ClientResources
import io.lettuce.core.resource.DefaultClientResources
import io.lettuce.core.resource.Delay
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory
import java.util.UUID
import java.util.concurrent.CompletionStage
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlin.time.toJavaDuration

/**
 * The Redis backend (`redis://host:port/db`): one multiplexed Lettuce connection, values as bytes (the cache's codec
 * encodes them), counters as plain decimal strings that `redis-cli GET` reads, locks, limits and windows as Lua
 * scripts run by `EVALSHA` (reloaded after a `NOSCRIPT`).
 *
 * **Outages.** With [suppress] (the default), a command that cannot reach Redis within [connectTimeout] or
 * [commandTimeout], or that Redis answers with an availability error (`LOADING`, `BUSY`, `MASTERDOWN`, `READONLY`,
 * `CLUSTERDOWN`, `TRYAGAIN`, …), answers neutrally, like a disabled backend: reads miss, writes report `false`,
 * strategies call their loaders. The first failure of an outage is logged, every one is counted ([suppressedErrors]),
 * and the backend recovers by itself when Redis answers again. Without [suppress], or for a caller whose context
 * holds [RaiseOutages] (locks, rate limits), such a command fails with [BackendUnavailableError]. After
 * [outageTimeouts] consecutive timeouts (a frozen server keeps its connection open) commands answer at once while a
 * background `PING` waits for Redis. A refused configuration (credentials, ACL, database index, TLS) fails every
 * command at once with [BackendConfigurationError], logged once; a refused command (a wrong type, a non-integer)
 * fails with [BackendCommandError] or [NotAnIntegerError]. No Lettuce exception reaches a caller.
 *
 * **Client-side cache.** With [clientSide], values read are kept in this process (at most [clientSideSize], each
 * until the TTL it had in Redis) and served from there without a round trip, for as long as Redis tracks them for
 * this connection (RESP3 `CLIENT TRACKING`): a write by any client, an expiry or a flush invalidates the copy. Own
 * writes drop the copy before and after they are sent, so a read after a write sees it. A disconnect drops every
 * copy, and none is served again until tracking is back on for the new connection. Not available on a cluster.
 *
 * **Locks.** Releases are published on a pub/sub channel, so waiters in every process wake at once; leases are
 * renewed by token ([renewLock]).
 *
 * TTLs are Redis's own (server time). [clear] removes every key of the database this backend uses (`FLUSHDB`).
 */
public class RedisBackend(
    /** Where Redis is: a `redis://` or `rediss://` URI, with the password (and user) and the database in it. */
    public val uri: RedisURI,
    /** How long a command may take before it counts as failed. */
    public val commandTimeout: Duration = DEFAULT_TIMEOUT,
    /** How long connecting may take. */
    public val connectTimeout: Duration = DEFAULT_TIMEOUT,
    /** Whether an unreachable Redis gives neutral answers (`true`) or [BackendUnavailableError] (`false`). */
    public val suppress: Boolean = true,
    /** Whether [uri] is one node of a Redis Cluster, whose topology the client discovers from it. */
    public val cluster: Boolean = false,
    /** TLS settings for a `rediss://` [uri] (trusted CA, client certificate); `null`: the JVM's defaults. */
    public val ssl: SslOptions? = null,
    /** Whether values read are also kept in this process, kept current by Redis's invalidations (see above). */
    public val clientSide: Boolean = false,
    /** How many values the client-side cache keeps at most. */
    public val clientSideSize: Long = DEFAULT_CLIENT_SIDE_SIZE,
    /**
     * After how many consecutive command timeouts Redis is taken as down: commands then answer at once (as an outage)
     * while a background probe waits for Redis to answer. 0 turns this off.
     */
    public val outageTimeouts: Int = DEFAULT_OUTAGE_TIMEOUTS,
) : Backend,
    OutageSuppressingBackend,
    LockBackend,
    LockReleaseBackend,
    LocalCopyBackend,
    BitsBackend,
    SlidingWindowBackend,
    SetBackend,
    TokenBucketBackend,
    InvalidationBusBackend {
    init {
        require(!(clientSide && cluster)) {
            "client-side caching is not available on a Redis Cluster: its node connections are tracked and reconnect " +
                "one by one"
        }
        require(clientSideSize > 0) { "client-side cache size must be positive, was $clientSideSize" }
        require(outageTimeouts >= 0) { "outageTimeouts must not be negative, was $outageTimeouts" }
    }

    override val suppressesOutages: Boolean get() = suppress

    private val breaker = TimeoutBreaker(outageTimeouts)

    /** Probes and late lock releases: work of the backend's own, cancelled by [close]. */
    private val background = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("cashews-redis"))

    private val near: ClientSideCache? = if (clientSide) ClientSideCache(clientSideSize) else null

    // The command timeout goes into the URI too: Lettuce times commands by the URI's timeout (a minute by default).
    private val target: RedisURI = RedisURI.builder(uri).withTimeout(commandTimeout.toJavaDuration()).build()

    private val clientOptions: ClientOptions =
        ClientOptions
            .builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout.toJavaDuration()).build())
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout.toJavaDuration()))
            .apply { if (ssl != null) sslOptions(ssl) }
            // Invalidations come as RESP3 pushes on the connection that read the keys.
            .apply { if (clientSide) protocolVersion(ProtocolVersion.RESP3) }
            .build()

    /** The Lettuce client and its threads: made by the first connect, so building the backend at setup starts nothing. */
    private class Clients(
        val resources: ClientResources,
        val client: AbstractRedisClient,
    )

    private val clients = lazy(LazyThreadSafetyMode.SYNCHRONIZED) { newClients() }

    private fun newClients(): Clients {
        // Reconnect attempts back off from 10 ms to at most 1 s, so the backend is back within a second of Redis.
        val resources =
            DefaultClientResources
                .builder()
                .reconnectDelay(
                    Delay.exponential(
                        10.milliseconds.toJavaDuration(),
                        1.seconds.toJavaDuration(),
                        2,
                        TimeUnit.MILLISECONDS,
                    ),
                ).nettyCustomizer(CoalescedFlushes)
                .build()
        val client =
            if (cluster) {
                // Node connections open lazily, and a rejecting one would refuse the first command to each node: a
                // cluster accepts commands while (re)connecting, bounded by the command timeout.
                val options =
                    ClusterClientOptions
                        .builder(clientOptions)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .build()
                RedisClusterClient.create(resources, target).apply { setOptions(options) }
            } else {
                RedisClient.create(resources, target).apply { setOptions(clientOptions) }
            }
        if (near != null) {
            client.addListener(
                object : RedisConnectionStateListener {
                    override fun onRedisDisconnected(handler: RedisChannelHandler<*, *>) {
                        if (handler === connection) near.disconnected()
                    }
                },
            )
        }
        return Clients(resources, client)
    }

    // Standalone and cluster commands share RedisClusterAsyncCommands; the cluster's implementation splits multi-key
    // commands by slot and runs SCAN, FLUSHDB and script loads on every master.
    @Volatile
    private var connected: RedisClusterAsyncCommands<String, ByteArray>? = null
    private var connection: StatefulConnection<String, ByteArray>? = null
    private val connecting = Mutex()

    private val down = AtomicBoolean(false)
    private val suppressed = AtomicLong()

    // Members of sliding-window logs must be unique across processes: a random process part and a counter.
    private val process = UUID.randomUUID().toString()
    private val sequence = AtomicLong()

    override val storesObjects: Boolean get() = false

    /** Whether an outage is under way and the client has no open connection: commands need not wait to fail. */
    private val knownDown: Boolean get() = down.get() && connection?.isOpen == false

    /** How many commands answered neutrally because Redis could not be reached, since this backend was built. */
    public val suppressedErrors: Long get() = suppressed.get()

    override suspend fun init() {
        // Connect now when Redis is there; when it is not, the first command tries again (suppressed or not).
        runCatching { commands() }
    }

    private suspend fun commands(): RedisClusterAsyncCommands<String, ByteArray> {
        connected?.let { return it }
        return connecting.withLock { connected ?: connect().also { connected = it } }
    }

    private suspend fun connect(): RedisClusterAsyncCommands<String, ByteArray> =
        when (val redis = clients.value.client) {
            is RedisClusterClient -> {
                // The topology first: an asynchronous cluster connect does not discover it by itself.
                redis.refreshPartitionsAsync().await()
                redis
                    .connectAsync(CODEC)
                    .await()
                    .also { connection = it }
                    .async()
            }

            else -> {
                val standalone = (redis as RedisClient).connectAsync(CODEC, target).await()
                connection = standalone
                if (near != null) {
                    standalone.addListener(PushListener(near::onPush))
                    // Tracking on before the first read, so that read's value can be kept already.
                    enableTracking(near)?.await()
                }
                standalone.async()
            }
        }

    /** Sends `CLIENT TRACKING ON` unless tracking is on or being turned on; the client-side cache hears the reply. */
    private fun enableTracking(near: ClientSideCache): CompletionStage<*>? {
        val standalone = connection as? StatefulRedisConnection<String, ByteArray> ?: return null
        if (!near.shouldEnableTracking()) return null
        val number = near.connectionNumber
        return standalone
            .async()
            // NOLOOP: this connection's own writes send it no invalidation; every write method drops its copies
            // itself (see writingThen), so an own write's echo can never drop the fresh copy of a read after it.
            .clientTracking(TrackingArgs.Builder.enabled().noloop())
            .handle { reply, error -> near.trackingReply(number, error == null && reply == "OK") }
    }

    // Lock releases: published by the unlock script, heard on a pub/sub connection made by the first waiter.
    private val lockReleases =
        LockReleaseChannel {
            when (val redis = clients.value.client) {
                is RedisClusterClient -> redis.connectPubSubAsync(StringCodec.UTF8)
                else -> (redis as RedisClient).connectPubSubAsync(StringCodec.UTF8, target).toCompletableFuture()
            }
        }

    override fun watchRelease(key: String): LockReleaseWatch = lockReleases.watchRelease(key)

    // The local tiers' invalidations (`local=size:ttl`), on a pub/sub connection made by the first listener.
    private val invalidations =
        InvalidationChannel("cashews:invalidate:${uri.database}") {
            when (val redis = clients.value.client) {
                is RedisClusterClient -> redis.connectPubSubAsync(StringCodec.UTF8)
                else -> (redis as RedisClient).connectPubSubAsync(StringCodec.UTF8, target).toCompletableFuture()
            }
        }

    /** Best effort: a failed publish leaves the other processes' copies to their TTL. */
    override suspend fun publishInvalidation(keys: Collection<String>?) {
        val message = invalidations.encode(keys).toByteArray()
        command("PUBLISH", null, 0L) { it.publish(invalidations.channel, message).await() }
    }

    override fun listenInvalidations(listener: (keys: Collection<String>?) -> Unit): AutoCloseable =
        invalidations.listen(listener)

    override fun localCopy(key: String): LocalCopy? = near?.copy(key)

    /** How many values the client-side cache holds now (0 without one). */
    public val clientSideEntries: Long get() = near?.size ?: 0

    /**
     * Runs a write [block], dropping the local copies it may change ([drop]) before it is sent and again after it is
     * answered: a read that starts once the write is answered never finds the copy from before it. Every command that
     * writes a key goes through here: with `NOLOOP` tracking, Redis tells this connection nothing of its own writes.
     */
    private inline fun <T> writingThen(drop: (ClientSideCache) -> Unit, block: () -> T): T {
        val near = near ?: return block()
        drop(near)
        try {
            return block()
        } finally {
            drop(near)
        }
    }

    private inline fun <T> writing(key: String, block: () -> T): T = writingThen({ it.invalidate(key) }, block)

    private inline fun <T> writing(keys: Collection<String>, block: () -> T): T =
        writingThen({ near -> keys.forEach(near::invalidate) }, block)

    /** A write whose keys are not known here (a pattern, a flush). */
    private inline fun <T> writingAll(block: () -> T): T = writingThen(ClientSideCache::invalidateAll, block)

    /**
     * Runs [block] on the connection for command [name] (on [key], when it has one), turning a failure into what the
     * class documentation describes: an outage into [neutral] (or [BackendUnavailableError]), a refused configuration
     * into [BackendConfigurationError], a refused command into [NotAnIntegerError] or [BackendCommandError].
     */
    private suspend inline fun <T> command(
        name: String,
        key: String?,
        neutral: T,
        block: (RedisClusterAsyncCommands<String, ByteArray>) -> T,
    ): T {
        misconfigured?.let { refused -> if (refused.stillFresh()) throw refused.error }
        // While the client has no open connection, or the server has stopped answering, answer at once.
        if (knownDown || breaker.isOpen) return outage(name, null, neutral)
        val result =
            try {
                block(commands())
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                return failed(name, key, e, neutral)
            }
        breaker.answered()
        if (down.get() && down.compareAndSet(true, false)) log.info("Redis at {} answers again", address)
        return result
    }

    private suspend fun <T> failed(name: String, key: String?, e: Exception, neutral: T): T {
        val failure = RedisFailure.of(e)
        // Only a timeout can be a TLS handshake left unanswered: a refused connection needs no probe.
        if (failure == RedisFailure.TIMEOUT && connectsToPlaintext()) {
            throw misconfiguration(
                "the TLS handshake got no answer, and a plaintext Redis answers there: use redis:// instead of " +
                    "rediss://, or enable TLS on the server",
            )
        }
        return when (failure) {
            RedisFailure.TIMEOUT -> {
                if (breaker.timedOut()) probeUntilAnswered()
                outage(name, e, neutral)
            }

            RedisFailure.OUTAGE -> {
                outage(name, e, neutral)
            }

            RedisFailure.CONFIGURATION -> {
                throw misconfiguration(RedisFailure.configurationReason(e))
            }

            RedisFailure.DATA -> {
                throw refused(name, key, e)
            }

            RedisFailure.OTHER -> {
                throw e
            }
        }
    }

    /** Whether a `rediss://` connection that could not be made is one to a plaintext Redis (see [answersPlaintextRedis]). */
    private suspend fun connectsToPlaintext(): Boolean =
        uri.isSsl &&
            connection == null &&
            withContext(Dispatchers.IO) { answersPlaintextRedis(uri.host, uri.port, connectTimeout) }

    /** An outage: [neutral] with `suppress` on (unless the caller's context asks to hear of it), else the error. */
    private suspend fun <T> outage(name: String, e: Exception?, neutral: T): T {
        val reason =
            when {
                e == null && breaker.isOpen -> "it stopped answering; probing until it does"
                e == null -> "not connected; reconnecting"
                else -> RedisFailure.serverReply(e) ?: e.message ?: e.javaClass.simpleName
            }
        if (!suppress || currentCoroutineContext()[RaiseOutages] != null) {
            throw BackendUnavailableError("Redis at $address did not answer $name: $reason")
        }
        suppressed.incrementAndGet()
        if (down.compareAndSet(false, true)) {
            log.warn("Redis at {} is unreachable ({}); commands answer neutrally until it is back", address, reason)
        }
        return neutral
    }

    private fun refused(name: String, key: String?, e: Exception): Exception {
        val reply = RedisFailure.serverReply(e).orEmpty()
        val on = key?.let { " on key '$it'" }.orEmpty()
        if ("not an integer" in reply || "overflow" in reply) {
            return NotAnIntegerError(
                "$name$on: the value is not an integer, or the result would overflow; it is unchanged",
            )
        }
        return BackendCommandError(name, key, "Redis at $address refused $name$on: $reply")
    }

    /** A configuration Redis refused, remembered so that commands fail at once until it is tried again. */
    private class Misconfigured(
        val error: BackendConfigurationError,
        private val at: TimeSource.Monotonic.ValueTimeMark,
    ) {
        fun stillFresh(): Boolean = at.elapsedNow() < RECONFIGURE_AFTER
    }

    @Volatile
    private var misconfigured: Misconfigured? = null

    private fun misconfiguration(reason: String): BackendConfigurationError {
        val error = BackendConfigurationError("Redis at $address refused this cache's configuration: $reason")
        val before = misconfigured
        misconfigured = Misconfigured(error, TimeSource.Monotonic.markNow())
        if (before?.error?.message != error.message) log.error(error.message)
        return error
    }

    /** Probes Redis in the background until it answers, then lets commands through again. */
    private fun probeUntilAnswered() {
        log.warn(
            "Redis at {} did not answer {} commands in a row; answering at once until a probe is answered",
            address,
            outageTimeouts,
        )
        background.launch {
            while (!tryPing()) delay(PROBE_PAUSE)
            breaker.close()
            log.info("Redis at {} answers probes again", address)
        }
    }

    private val address: String get() = "${uri.host}:${uri.port}/${uri.database}"

    // -- values ---------------------------------------------------------------------------------------------------

    override suspend fun get(key: String): Any? {
        val near = near ?: return command("GET", key, null) { it.get(key).await() }
        val copy = near.copy(key)
        return if (copy != null) copy.stored else mget(listOf(key), near).single()
    }

    override suspend fun getMany(keys: List<String>): List<Any?> {
        if (keys.isEmpty()) return emptyList()
        val near = near ?: return mget(keys, null)
        val copies = keys.map(near::copy)
        val fetched = mget(keys.filterIndexed { i, _ -> copies[i] == null }, near).iterator()
        return copies.map { copy -> if (copy != null) copy.stored else fetched.next() }
    }

    /**
     * One MGET of [keys] (none sent for none). With [near], each key's PTTL rides along in the same round trip and
     * the values are kept as local copies when that is safe (see [ClientSideCache.keep]).
     */
    private suspend fun mget(keys: List<String>, near: ClientSideCache?): List<ByteArray?> {
        if (keys.isEmpty()) return emptyList()
        val stamps = near?.let { keys.map(it::stamp) }
        if (near != null && stamps!!.contains(ClientSideCache.UNTRACKED)) enableTracking(near)
        val sentAt = System.nanoTime()
        return command("MGET", keys.singleOrNull(), List(keys.size) { null }) { commands ->
            val values = commands.mget(*keys.toTypedArray())
            val ttls = near?.let { keys.map(commands::pttl) }
            val found = values.await().map { it.getValueOrElse(null) }
            if (near !=
                null
            ) {
                keys.forEachIndexed { i, key -> near.keep(key, stamps!![i], found[i], ttls!![i].await(), sentAt) }
            }
            found
        }
    }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean {
        val args = SetArgs()
        if (ttl != null) args.px(millis(ttl))
        when (condition) {
            SetCondition.ALWAYS -> {}

            SetCondition.IF_EXISTS -> {
                args.xx()
            }

            SetCondition.IF_ABSENT -> {
                args.nx()
            }
        }
        return writing(key) { command("SET", key, false) { it.set(key, bytes(value), args).await() != null } }
    }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {
        if (entries.isEmpty()) return
        writing(entries.keys) { setManyRemote(entries, ttl) }
    }

    private suspend fun setManyRemote(entries: Map<String, Any>, ttl: Duration?) {
        command("SET", entries.keys.singleOrNull(), Unit) { commands ->
            if (ttl == null) {
                commands.mset(entries.mapValues { (_, value) -> bytes(value) }).await()
            } else {
                // Sent together on the multiplexed connection, then awaited: one round trip's worth of latency.
                val px = millis(ttl)
                entries.map { (key, value) -> commands.set(key, bytes(value), SetArgs().px(px)) }.forEach { it.await() }
            }
            Unit
        }
    }

    override suspend fun delete(key: String): Boolean =
        writing(key) { command("UNLINK", key, false) { it.unlink(key).await() > 0 } }

    override suspend fun deleteMany(keys: Collection<String>): Long {
        if (keys.isEmpty()) return 0
        return writing(keys) { command("UNLINK", keys.singleOrNull(), 0L) { it.unlink(*keys.toTypedArray()).await() } }
    }

    override suspend fun deleteMatch(pattern: String): Long = writingAll { deleteMatching(pattern) }

    private suspend fun deleteMatching(pattern: String): Long {
        var deleted = 0L
        val batch = ArrayList<String>(SCAN_COUNT)
        scan(pattern).collect {
            batch += it
            if (batch.size == SCAN_COUNT) {
                deleted += deleteMany(batch)
                batch.clear()
            }
        }
        if (batch.isNotEmpty()) deleted += deleteMany(batch)
        return deleted
    }

    override fun scan(pattern: String): Flow<String> =
        flow {
            val args = ScanArgs.Builder.matches(pattern).limit(SCAN_COUNT.toLong())
            // SCAN may return a key more than once; the SPI promises each once.
            val seen = HashSet<String>()
            var cursor: ScanCursor = ScanCursor.INITIAL
            do {
                val page = command("SCAN", null, null) { it.scan(cursor, args).await() } ?: return@flow
                for (key in page.keys) if (seen.add(key)) emit(key)
                cursor = page
            } while (!page.isFinished)
        }

    override suspend fun exists(key: String): Boolean {
        near?.copy(key)?.let { return it.stored != null }
        return command("EXISTS", key, false) { it.exists(key).await() > 0 }
    }

    override suspend fun expire(key: String, ttl: Duration): Boolean =
        writing(key) { command("PEXPIRE", key, false) { it.pexpire(key, millis(ttl)).await() == true } }

    override suspend fun ttl(key: String): KeyTtl =
        command("PTTL", key, KeyTtl.Missing) {
            when (val left = it.pttl(key).await()) {
                -2L -> KeyTtl.Missing
                -1L -> KeyTtl.Persistent
                else -> KeyTtl.Expiring(left.milliseconds)
            }
        }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long =
        writing(key) { incrRemote(key, by, ttl) }

    private suspend fun incrRemote(key: String, by: Long, ttl: Duration?): Long =
        command("INCRBY", key, 0L) {
            RedisScript.INCR.run<Long>(
                it,
                ScriptOutputType.INTEGER,
                arrayOf(key),
                ascii(by),
                ascii(ttl?.let(::millis) ?: 0),
            )
        }

    override suspend fun sizeOf(key: String): Long =
        try {
            command("STRLEN", key, 0L) { it.strlen(key).await() }
        } catch (e: BackendCommandError) {
            -1 // not a string (a set, a window): Redis cannot tell its size cheaply
        }

    /** Counted by SCAN, which skips expired keys that DBSIZE would still count: exact, and linear in the keys. */
    override suspend fun keysCount(): Long = scan("*").count().toLong()

    override suspend fun ping(): Boolean =
        if (knownDown || breaker.isOpen) {
            false
        } else {
            tryPing()
        }

    private suspend fun tryPing(): Boolean =
        try {
            commands().ping().await() == "PONG"
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            false
        }

    override suspend fun clear() {
        writingAll {
            command("FLUSHDB", null, Unit) {
                it.flushdb().await()
                Unit
            }
        }
    }

    override suspend fun close() {
        // Off any Netty thread a caller may have resumed on (an unconfined coroutine): an event loop cannot wait for
        // its own shutdown.
        background.cancel()
        withContext(Dispatchers.IO) {
            lockReleases.close()
            invalidations.close()
            connection?.closeAsync()?.await()
            // No quiet period: nothing is sent after close, and Lettuce's default would hold close() for 2 s per pool.
            if (clients.isInitialized()) {
                clients.value.client
                    .shutdownAsync(0, SHUTDOWN_SECONDS, TimeUnit.SECONDS)
                    .await()
                clients.value.resources
                    .shutdown(0, SHUTDOWN_SECONDS, TimeUnit.SECONDS)
                    .await()
            }
        }
    }

    // -- locks, bits, windows, sets -------------------------------------------------------------------------------

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        writing(key) {
            command("SET NX", key, false) {
                try {
                    it.set(key, token.toByteArray(), SetArgs().nx().px(millis(ttl))).await() != null
                } catch (e: RedisCommandTimeoutException) {
                    // Redis may still run the SET NX (a frozen server runs what it was sent when it resumes): a lock
                    // nobody knows it holds would block the key for its whole TTL.
                    releaseWhenAnswered(key, token, ttl)
                    throw e
                }
            }
        }

    /**
     * Releases [key] if it holds [token], sent after a timed-out `SET NX` on the same connection so Redis runs it
     * afterwards; tried again until Redis answers or the lock would have expired anyway.
     */
    private fun releaseWhenAnswered(key: String, token: String, ttl: Duration) {
        background.launch {
            val expires = TimeSource.Monotonic.markNow() + ttl
            while (expires.hasNotPassedNow()) {
                try {
                    unlockRemote(commands(), key, token)
                    return@launch
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    delay(PROBE_PAUSE)
                }
            }
        }
    }

    override suspend fun unlock(key: String, token: String): Boolean {
        val released =
            writing(key) {
                command("UNLOCK", key, false) { unlockRemote(it, key, token) }
            }
        if (released) lockReleases.released(key)
        return released
    }

    private suspend fun unlockRemote(
        commands: RedisClusterAsyncCommands<String, ByteArray>,
        key: String,
        token: String,
    ): Boolean {
        val channel = LockReleaseChannel.CHANNEL.toByteArray()
        return RedisScript.UNLOCK.run<Long>(
            commands,
            ScriptOutputType.INTEGER,
            arrayOf(key),
            token.toByteArray(),
            channel,
        ) >
            0
    }

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        writing(key) {
            command("RENEW LOCK", key, false) {
                val millis = ascii(millis(ttl))
                RedisScript.RENEW_LOCK.run<Long>(
                    it,
                    ScriptOutputType.INTEGER,
                    arrayOf(key),
                    token.toByteArray(),
                    millis,
                ) >
                    0
            }
        }

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> {
        if (indexes.isEmpty()) return emptyList()
        val args = BitFieldArgs()
        for (index in indexes) args.get(BitFieldArgs.unsigned(size), BitFieldArgs.typeWidthBasedOffset(index))
        return command("BITFIELD", key, List(indexes.size) { 0L }) {
            it.bitfield(key, args).await().map { value -> value ?: 0L }
        }
    }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> {
        if (indexes.isEmpty()) return emptyList()
        val args = BitFieldArgs().overflow(BitFieldArgs.OverflowType.SAT)
        for (index in indexes) args.incrBy(BitFieldArgs.unsigned(size), BitFieldArgs.typeWidthBasedOffset(index), by)
        return writing(key) {
            command("BITFIELD", key, List(indexes.size) { 0L }) {
                it.bitfield(key, args).await().map { value ->
                    value ?: 0L
                }
            }
        }
    }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long {
        val member = "$end:$process:${sequence.incrementAndGet()}"
        return writing(key) { sliceIncrRemote(key, start, end, maxValue, ttl, member) }
    }

    private suspend fun sliceIncrRemote(
        key: String,
        start: Long,
        end: Long,
        maxValue: Long,
        ttl: Duration?,
        member: String,
    ): Long =
        command("SLICE", key, 0L) {
            RedisScript.SLICE_INCR.run<Long>(
                it,
                ScriptOutputType.INTEGER,
                arrayOf(key),
                ascii(start),
                ascii(end),
                ascii(maxValue),
                ascii(ttl?.let(::millis) ?: 0),
                member.toByteArray(),
            )
        }

    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant {
        val micros = interval.inWholeMicroseconds
        require(micros > 0) { "a token bucket on Redis gains at most one token per microsecond, was one per $interval" }
        val answer =
            writing(key) {
                command("TOKENS", key, ADMITTED) {
                    RedisScript.TAKE_TOKENS.run<List<Long>>(
                        it,
                        ScriptOutputType.MULTI,
                        arrayOf(key),
                        ascii(micros),
                        ascii(burst),
                        ascii(cost),
                    )
                }
            }
        return TokenGrant(answer[0] == 1L, answer[1], answer[2].microseconds)
    }

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long {
        if (members.isEmpty()) return 0
        val args = arrayOf(ascii(ttl?.let(::millis) ?: 0)) + members.map { it.toByteArray() }
        return writing(key) {
            command(
                "SADD",
                key,
                0L,
            ) { RedisScript.SET_ADD.run<Long>(it, ScriptOutputType.INTEGER, arrayOf(key), *args) }
        }
    }

    override suspend fun setRemove(key: String, members: Collection<String>): Long {
        if (members.isEmpty()) return 0
        val removed = members.map(String::toByteArray).toTypedArray()
        return writing(key) { command("SREM", key, 0L) { it.srem(key, *removed).await() } }
    }

    override suspend fun setPop(key: String, count: Int): List<String> {
        if (count == 0) return emptyList()
        return writing(key) {
            command("SPOP", key, emptyList()) { it.spop(key, count.toLong()).await().map(::String) }
        }
    }

    override suspend fun setMembers(key: String): Set<String> =
        command("SMEMBERS", key, emptySet()) { it.smembers(key).await().mapTo(HashSet()) { member -> String(member) } }

    override fun toString(): String =
        when {
            cluster -> "RedisBackend(cluster at $address)"
            clientSide -> "RedisBackend($address, client-side)"
            else -> "RedisBackend($address)"
        }

    private fun bytes(value: Any): ByteArray =
        value as? ByteArray
            ?: throw IllegalArgumentException(
                "the Redis backend stores bytes; got ${value.javaClass.name} (set up a codec)",
            )

    private fun ascii(value: Long): ByteArray = value.toString().toByteArray(Charsets.US_ASCII)

    /** A TTL in whole milliseconds, at least 1 (a positive TTL under a millisecond must not mean "no expiry"). */
    private fun millis(ttl: Duration): Long = ttl.inWholeMilliseconds.coerceAtLeast(1)

    public companion object {
        /** The default connect and command timeout. */
        public val DEFAULT_TIMEOUT: Duration = 1.seconds

        /** The default bound on client-side copies, as in cashews. */
        public const val DEFAULT_CLIENT_SIDE_SIZE: Long = ClientSideCache.DEFAULT_SIZE
        private const val SCAN_COUNT = 1_000
        private const val SHUTDOWN_SECONDS = 5L

        /** The default number of consecutive timeouts after which Redis is taken as down. */
        public const val DEFAULT_OUTAGE_TIMEOUTS: Int = 3
        private val PROBE_PAUSE = 50.milliseconds

        // What a suppressed outage answers a token bucket: admitted, as the other limits' neutral counts are.
        private val ADMITTED = listOf(1L, 0L, 0L)

        // A refused configuration is tried again after this long, so a fix on the server is picked up.
        private val RECONFIGURE_AFTER = 1.seconds
        private val CODEC: RedisCodec<String, ByteArray> = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)
        private val log = LoggerFactory.getLogger(RedisBackend::class.java)
    }
}

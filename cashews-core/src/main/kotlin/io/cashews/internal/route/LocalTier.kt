package io.cashews.internal.route

import com.github.benmanes.caffeine.cache.Caffeine
import io.cashews.CacheCommand
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.GlobPattern
import io.cashews.InvalidationBusBackend
import io.cashews.SetupError
import io.cashews.Ttl
import io.cashews.tickerOf
import kotlinx.coroutines.CancellationException
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlin.time.toJavaDuration

/**
 * A local tier in front of a backend (`local=size:ttl`; JetCache's `BOTH`, Redisson's local cached map): what the
 * backend answers to `get` and `getMany` is kept in this process for [ttl], at most [size] entries, and served from
 * here until then. A write or delete through this cache drops the local copy before and after it reaches the backend,
 * and is published on the backend's [bus] (Redis pub/sub) so the other processes drop theirs. Staleness is bounded by
 * [ttl]: a copy outlives a change made elsewhere only when the message is lost, or when there is no bus (disk).
 *
 * Misses are not kept: a key missing here is asked for again. A read that overlaps an invalidation does not keep what
 * it read, since it may predate the change.
 *
 * A handle's tier ([io.cashews.FunctionBinding.local]) keeps only the keys its [glob] matches: commands on other keys
 * pass through untouched, and only writes of its keys (or of unknown keys: a pattern delete, a clear) are published.
 */
internal class LocalTier(
    val size: Long,
    val ttl: Duration,
    timeSource: TimeSource,
    private val bus: InvalidationBusBackend?,
    /** The keys kept here: every key for `null` (a setup URL's tier), a handle's keys for its template's glob. */
    val glob: String? = null,
) : CacheInterceptor {
    private val only: GlobPattern? = glob?.let(::GlobPattern)

    private val copies =
        Caffeine
            .newBuilder()
            .maximumSize(size)
            .expireAfterWrite(ttl.toJavaDuration())
            .ticker(tickerOf(timeSource))
            .build<String, Any>()

    // Bumped by every invalidation: a read that saw it change while it ran keeps nothing.
    private val invalidations = AtomicLong()

    private val listening: AutoCloseable? = bus?.listenInvalidations { keys -> drop(keys) }

    override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
        val command = chain.command
        return when (command.kind) {
            Command.GET -> read(chain, command as CacheCommand.Get)
            Command.GET_MANY -> readMany(chain, command as CacheCommand.GetMany)
            in READS -> chain.proceed(command)
            else -> write(chain, command)
        }
    }

    /** Whether [key] is one this tier keeps. */
    private fun keeps(key: String): Boolean = only == null || only.matches(key)

    private suspend fun <R> read(chain: CacheInterceptor.Chain<R>, command: CacheCommand.Get): R {
        @Suppress("UNCHECKED_CAST")
        if (!keeps(command.key)) return chain.proceed(command as CacheCommand<R>)
        copies.getIfPresent(command.key)?.let {
            @Suppress("UNCHECKED_CAST")
            return it as R
        }
        val before = invalidations.get()

        @Suppress("UNCHECKED_CAST")
        val value = chain.proceed(command as CacheCommand<R>)
        if (value != null && invalidations.get() == before) copies.put(command.key, value)
        return value
    }

    private suspend fun <R> readMany(chain: CacheInterceptor.Chain<R>, command: CacheCommand.GetMany): R {
        val held = command.keys.map { if (keeps(it)) copies.getIfPresent(it) else null }
        val missing = command.keys.filterIndexed { i, _ -> held[i] == null }
        if (missing.isEmpty()) {
            @Suppress("UNCHECKED_CAST")
            return held as R
        }
        val before = invalidations.get()

        @Suppress("UNCHECKED_CAST")
        val fetched = chain.proceed(CacheCommand.GetMany(missing) as CacheCommand<R>) as List<Any?>
        val keep = invalidations.get() == before
        val answers = fetched.iterator()
        val merged =
            command.keys.mapIndexed { i, key ->
                held[i] ?: answers.next().also { if (it != null && keep && keeps(key)) copies.put(key, it) }
            }
        @Suppress("UNCHECKED_CAST")
        return merged as R
    }

    private suspend fun <R> write(chain: CacheInterceptor.Chain<R>, command: CacheCommand<R>): R {
        val keys = if (command.kind in WHOLE) null else command.keys.filter(::keeps)
        if (keys != null && keys.isEmpty()) return chain.proceed(command)
        drop(keys)
        try {
            return chain.proceed(command)
        } finally {
            drop(keys)
            // Locks, bit counters, windows, buckets and sets are not read with get: telling the others about every
            // decision would cost each one a second round trip for nothing.
            if (bus != null && command.kind !in PRIMITIVES) publish(bus, keys)
        }
    }

    /** Best effort: a message that cannot be sent leaves the other processes' copies to their TTL. */
    private suspend fun publish(bus: InvalidationBusBackend, keys: Collection<String>?) {
        try {
            bus.publishInvalidation(keys)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            log.debug("could not tell the other processes to drop their copies; their TTL bounds them", e)
        }
    }

    /** Drops the copies of [keys], or every copy for `null`. */
    fun drop(keys: Collection<String>?) {
        invalidations.incrementAndGet()
        if (keys == null) copies.invalidateAll() else copies.invalidateAll(keys)
    }

    /** Stops hearing the other processes. */
    fun close() {
        listening?.close()
        copies.invalidateAll()
    }

    override fun toString(): String = if (glob == null) "LocalTier($size, $ttl)" else "LocalTier($glob, $size, $ttl)"

    companion object {
        /** Commands that change nothing: passed through untouched. */
        private val READS =
            setOf(
                Command.SCAN,
                Command.EXISTS,
                Command.TTL,
                Command.SIZE_OF,
                Command.KEYS_COUNT,
                Command.PING,
                Command.GET_BITS,
                Command.SET_MEMBERS,
            )

        /** Writes of keys that hold no value read with `get`: dropped here, not published. */
        private val PRIMITIVES =
            setOf(
                Command.SET_LOCK,
                Command.UNLOCK,
                Command.RENEW_LOCK,
                Command.INCR_BITS,
                Command.SLICE_INCR,
                Command.TAKE_TOKENS,
                Command.SET_ADD,
                Command.SET_REMOVE,
                Command.SET_POP,
            )

        /** Commands whose keys are not known here: every copy goes. */
        private val WHOLE = setOf(Command.DELETE_MATCH, Command.CLEAR)

        /** `local=size:ttl` (`10000:30s`), refused with the value and the expected form. */
        fun parse(raw: String, timeSource: TimeSource, bus: InvalidationBusBackend?): LocalTier {
            val expected = "setup parameter 'local' has value '$raw', expected size:ttl like 10000:30s"
            val (size, ttl) = parseSpec(raw) { expected }
            return LocalTier(size, ttl, timeSource, bus)
        }

        /** The size and TTL of `size:ttl`, or a [SetupError] with [problem]'s message. */
        fun parseSpec(
            raw: String,
            problem: () -> String = { "local tier '$raw' is not size:ttl like 10000:30s" },
        ): Pair<Long, Duration> {
            val parts = raw.split(':')
            val size = parts.getOrNull(0)?.trim()?.toLongOrNull()
            val ttl = parts.getOrNull(1)?.let { runCatching { Ttl.parse(it) }.getOrNull() }
            if (parts.size != 2 || size == null || size <= 0 || ttl == null || !ttl.isPositive()) {
                throw SetupError(problem())
            }
            return size to ttl
        }

        private val log = org.slf4j.LoggerFactory.getLogger(LocalTier::class.java)
    }
}

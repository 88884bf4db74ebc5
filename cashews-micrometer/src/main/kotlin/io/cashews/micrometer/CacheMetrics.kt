package io.cashews.micrometer

import io.cashews.BreakerState
import io.cashews.Cache
import io.cashews.CacheEventListener
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.CommandObserver
import io.cashews.Rejection
import io.micrometer.core.instrument.Counter
import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Tag
import io.micrometer.core.instrument.Tags
import io.micrometer.core.instrument.Timer
import io.micrometer.core.instrument.binder.MeterBinder
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration

/**
 * Binds a [Cache]'s meters to a Micrometer registry, under the names Micrometer's own cache binders use, each tagged
 * `cache=<cacheName>` plus [tags]:
 *
 * | meter | type | what |
 * |---|---|---|
 * | `cache.gets{result=hit\|miss}` | counter | strategy lookups that found a fresh value, or nothing usable |
 * | `cache.puts` | counter | values (and cached exceptions) strategies stored |
 * | `cache.evictions` | counter | entries evicted by a size bound (in-memory backend) |
 * | `cache.size` | gauge | entries held in memory ([Cache.estimatedSize]) |
 * | `cache.loads{result=success\|failure}` | timer | runs of strategies' loading blocks, with their duration |
 * | `cache.stale.served` | counter | stale answers (early, soft, failover) |
 * | `cache.rejections{reason}` | counter | calls refused by a rate limit (`rate_limited`) or a breaker (`circuit_open`) |
 * | `cache.breaker.transitions{to}` | counter | circuit breaker state changes |
 * | `cache.operations{layer, command}` | timer | every backend command: `layer` is the backend (`mem`, `redis`, …) |
 * | `cache.warmup.done{name}`, `cache.warmup.total{name}` | gauges | how far each warm-up ([io.cashews.warmUp]) has come |
 *
 * ```
 * CacheMetrics(cache, "users").bindTo(registry)
 * ```
 *
 * The operation timers come from an observer added to the cache ([Cache.addInterceptor]): each command then costs two
 * clock reads and a timer update, which is most of an in-memory hit's time. Pass `timeCommands = false` to keep only
 * the event meters, which cost one listener call per event, or `timeOneIn = n` to time about one command in `n`
 * (drawn at random per command, so no kind or key is skipped systematically): durations and percentiles stay
 * representative, and the timers' counts are then about `1/n` of the commands, so multiply rates by `n`.
 * [close] removes both from the cache.
 *
 * @throws IllegalArgumentException when [timeOneIn] is below 1.
 */
public class CacheMetrics
    @JvmOverloads
    constructor(
        private val cache: Cache,
        private val cacheName: String,
        tags: Iterable<Tag> = emptyList(),
        private val timeCommands: Boolean = true,
        /** Commands are timed about one in this many (see above); 1 times every command. */
        public val timeOneIn: Int = 1,
    ) : MeterBinder,
        AutoCloseable {
        init {
            require(timeOneIn >= 1) { "timeOneIn must be at least 1 (time every command), was $timeOneIn" }
        }

        private val tags: Tags = Tags.of(tags).and("cache", cacheName)
        private var listener: CacheEventListener? = null
        private var interceptor: CacheInterceptor? = null

        @Synchronized
        override fun bindTo(registry: MeterRegistry) {
            check(listener == null) { "CacheMetrics for cache '$cacheName' is already bound; create one per registry" }
            Gauge
                .builder("cache.size", cache) { it.estimatedSize().toDouble() }
                .tags(tags)
                .description("The number of entries held in memory")
                .register(registry)
            val events = MetricsListener(registry, tags)
            cache.addListener(events)
            listener = events
            if (timeCommands) {
                val timing = CommandTimer(registry, tags, timeOneIn)
                cache.addInterceptor(timing)
                interceptor = timing
            }
        }

        /** Stops feeding the meters: removes this binder's listener and interceptor from the cache. */
        @Synchronized
        override fun close() {
            listener?.let(cache::removeListener)
            interceptor?.let(cache::removeInterceptor)
            listener = null
            interceptor = null
        }
    }

/** The event meters, built once so that each event is one counter update. */
private class MetricsListener(
    private val registry: MeterRegistry,
    private val tags: Tags,
) : CacheEventListener {
    private val hits =
        counter(registry, "cache.gets", tags.and("result", "hit"), "Strategy lookups served from the cache")
    private val misses =
        counter(registry, "cache.gets", tags.and("result", "miss"), "Strategy lookups that had to load")
    private val puts = counter(registry, "cache.puts", tags, "Values stored by strategies")
    private val evictions = counter(registry, "cache.evictions", tags, "Entries evicted by a size bound")
    private val stale = counter(registry, "cache.stale.served", tags, "Stale values served")
    private val loadSuccess =
        timer(registry, "cache.loads", tags.and("result", "success"), "Loads that returned a value")
    private val loadFailure = timer(registry, "cache.loads", tags.and("result", "failure"), "Loads that threw")
    private val rejections =
        Rejection.entries.associateWith {
            counter(registry, "cache.rejections", tags.and("reason", it.name.lowercase()), "Calls refused")
        }
    private val transitions =
        BreakerState.entries.associateWith {
            counter(
                registry,
                "cache.breaker.transitions",
                tags.and("to", it.name.lowercase()),
                "Circuit breaker changes",
            )
        }

    override fun onHit(key: String, strategy: String) = hits.increment()

    override fun onMiss(key: String, strategy: String) = misses.increment()

    override fun onPut(key: String, strategy: String) = puts.increment()

    override fun onEviction(key: String, layer: String) = evictions.increment()

    override fun onStaleServed(key: String, strategy: String) = stale.increment()

    override fun onLoad(key: String, strategy: String, duration: Duration) =
        loadSuccess.record(duration.inWholeNanoseconds, TimeUnit.NANOSECONDS)

    override fun onLoadFailure(key: String, strategy: String, error: Throwable, duration: Duration) =
        loadFailure.record(duration.inWholeNanoseconds, TimeUnit.NANOSECONDS)

    override fun onRejected(key: String, reason: Rejection) = rejections.getValue(reason).increment()

    override fun onBreakerStateChanged(key: String, from: BreakerState, to: BreakerState) =
        transitions.getValue(to).increment()

    // Per warm-up: the ids gone through and the total, as two gauges tagged with its name.
    private val warmUps = ConcurrentHashMap<String, Pair<AtomicLong, AtomicLong>>()

    override fun onWarmUp(name: String, done: Long, total: Long) {
        val (doneGauge, totalGauge) =
            warmUps.computeIfAbsent(name) {
                val named = tags.and("name", name)
                Pair(
                    registry.gauge("cache.warmup.done", named, AtomicLong())!!,
                    registry.gauge("cache.warmup.total", named, AtomicLong())!!,
                )
            }
        totalGauge.set(total)
        doneGauge.accumulateAndGet(done, ::maxOf)
    }
}

/**
 * Times every command, with one timer per backend layer and command kind: one `Timer.record` per command, failed ones
 * included. An observer, so in-memory hits keep their immediate path.
 */
private class CommandTimer(
    private val registry: MeterRegistry,
    private val tags: Tags,
    private val timeOneIn: Int,
) : CommandObserver {
    private val byLayer = ConcurrentHashMap<String, Array<Timer>>()

    // A per-thread random draw: a shared counter would be a write to one cache line from every thread on every command.
    override fun onStart(kind: Command, key: String?, layer: String): Long =
        if (timeOneIn == 1 || ThreadLocalRandom.current().nextInt(timeOneIn) == 0) System.nanoTime() else NOT_TIMED

    override fun onEnd(kind: Command, key: String?, layer: String, started: Long, failure: Throwable?) {
        // A timed command whose start read exactly NOT_TIMED goes untimed: one clock value in 2^64.
        if (started == NOT_TIMED) return
        timers(layer)[kind.ordinal].record(System.nanoTime() - started, TimeUnit.NANOSECONDS)
    }

    // A plain read first: computeIfAbsent's lambda captures the layer, an allocation per command.
    private fun timers(layer: String): Array<Timer> = byLayer[layer] ?: register(layer)

    private fun register(layer: String): Array<Timer> =
        byLayer.computeIfAbsent(layer) {
            Array(Command.entries.size) { i ->
                timer(
                    registry,
                    "cache.operations",
                    tags.and("layer", layer, "command", Command.entries[i].name.lowercase()),
                    "Backend commands by layer and kind",
                )
            }
        }

    override fun toString(): String = "CacheMetrics.CommandTimer"

    private companion object {
        /** What [onStart] answers for a command left out of the sample. */
        const val NOT_TIMED = Long.MIN_VALUE
    }
}

private fun counter(registry: MeterRegistry, name: String, tags: Tags, description: String): Counter =
    Counter
        .builder(name)
        .tags(tags)
        .description(description)
        .register(registry)

private fun timer(registry: MeterRegistry, name: String, tags: Tags, description: String): Timer =
    Timer
        .builder(name)
        .tags(tags)
        .description(description)
        .register(registry)

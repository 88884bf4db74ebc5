package io.cashews

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.LongAdder

/**
 * What one strategy of a cache did since stats were turned on ([Cache.recordStats]). A caller that waited for
 * another caller's load counts as a miss, never as a hit or a load; background refreshes count as loads.
 */
public data class StrategyStats(
    /** The strategy: `cached`, `early`, `soft`, `failover`, `hit`. */
    val strategy: String,
    /** Calls answered from the cache (stale answers not included). */
    val hits: Long,
    /** Calls that found nothing usable in the cache. */
    val misses: Long,
    /** Runs of the loading block, background refreshes included. */
    val loads: Long,
    /** Runs of the loading block that threw. */
    val loadFailures: Long,
    /** Calls answered with a stale value (early before its refresh, soft or failover after a failure). */
    val staleServed: Long,
    /**
     * Live values the strategy holds now: keys under its default prefix (helper keys such as freshness markers
     * and hit counters not counted); for `cached`, keys under no strategy prefix.
     */
    val size: Long,
) {
    /** hits / (hits + misses), or 0 before any call. */
    val hitRate: Double get() = if (hits + misses == 0L) 0.0 else hits.toDouble() / (hits + misses)
}

/** Counters per strategy; only touched while [Cache.recordStats] is on. */
@OptIn(InternalCacheApi::class)
internal class StatsRecorder {
    private class Counters {
        val hits = LongAdder()
        val misses = LongAdder()
        val loads = LongAdder()
        val loadFailures = LongAdder()
        val staleServed = LongAdder()
    }

    private val byStrategy = ConcurrentHashMap<String, Counters>()

    // `cached`, the strategy of nearly every hit, is kept in a field: a hit then updates its counter without a map
    // lookup. Made on first use, so a cache that never runs it lists no `cached` stats.
    @Volatile
    private var cached: Counters? = null

    private fun of(strategy: String): Counters {
        if (strategy == StrategyKeys.CACHED) return cached ?: firstCached()
        return byStrategy[strategy] ?: counters(strategy)
    }

    // Under the lock [reset] takes, so the field never keeps counters that a reset has just dropped from the map.
    @Synchronized
    private fun firstCached(): Counters = cached ?: counters(StrategyKeys.CACHED).also { cached = it }

    private fun counters(strategy: String): Counters = byStrategy.computeIfAbsent(strategy) { Counters() }

    fun hit(strategy: String) = of(strategy).hits.increment()

    fun miss(strategy: String) = of(strategy).misses.increment()

    fun load(strategy: String) = of(strategy).loads.increment()

    fun loadFailure(strategy: String) = of(strategy).loadFailures.increment()

    fun stale(strategy: String) = of(strategy).staleServed.increment()

    /** Forgets every count; `cached`'s field too, under the lock its first use takes. */
    @Synchronized
    fun reset() {
        byStrategy.clear()
        cached = null
    }

    fun snapshot(sizes: Map<String, Long>): Map<String, StrategyStats> =
        byStrategy.mapValues { (name, c) ->
            StrategyStats(
                name,
                c.hits.sum(),
                c.misses.sum(),
                c.loads.sum(),
                c.loadFailures.sum(),
                c.staleServed.sum(),
                sizes[name] ?: 0,
            )
        }

    companion object {
        /** The default key prefix of each strategy that has one. */
        private val prefixes =
            mapOf(
                "early" to "early:",
                "soft" to "soft:",
                "failover" to "fail:",
                "hit" to "hit:",
                "dynamic" to "dynamic:",
            )
        private val otherPrefixes = prefixes.values + listOf("locked:", "lock:")
        private val helperSuffixes = listOf(":fresh", ":refresh", ":counter")

        /** Counts the live value keys of each strategy among [keys]. */
        fun sizes(keys: List<String>): Map<String, Long> {
            val values = keys.filter { key -> helperSuffixes.none { key.endsWith(it) } }
            val sizes =
                prefixes
                    .mapValues { (_, prefix) ->
                        values.count { it.startsWith(prefix) }.toLong()
                    }.toMutableMap()
            sizes["cached"] = values.count { key -> otherPrefixes.none { key.startsWith(it) } }.toLong()
            return sizes
        }
    }
}

package io.cashews.bench

import io.cashews.Cache
import io.cashews.CacheInterceptor
import io.cashews.Command
import io.cashews.CommandObserver
import io.cashews.TransactionMode
import io.cashews.cached
import io.cashews.detect
import io.cashews.transaction
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole

/** The loops of [ObservabilityBenchmark] and [TransactionBenchmark]. */
public object ObservabilityLoops {
    /** Units of transactional work per benchmark invocation. */
    public const val TX_BATCH: Int = 64

    /** An observer that does nothing: what one observing interceptor (metrics, tracing) costs on a hit. */
    @JvmStatic
    public fun noOpObserver(): CommandObserver =
        object : CommandObserver {
            override fun onStart(kind: Command, key: String?, layer: String): Long = 0L

            override fun onEnd(kind: Command, key: String?, layer: String, started: Long, failure: Throwable?) {}
        }

    /** An interceptor that only passes each command on: the price of the chain itself. */
    @JvmStatic
    public fun noOpInterceptor(): CacheInterceptor =
        object : CacheInterceptor {
            override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R = chain.proceed(chain.command)
        }

    /** [HitLoops.cachedHit] inside a `detect { }` block that records every hit, one block per batch. */
    @JvmStatic
    public fun cachedHitDetected(cache: Cache, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            val detected =
                detect {
                    repeat(HitLoops.BATCH) { bh.consume(cache.cached(HitLoops.TTL, keys[index++ and mask]) { -1 }) }
                }
            bh.consume(detected.hits.size)
            index
        }

    /**
     * [TX_BATCH] units of work, each reading one key and writing another, bare ([mode] `null`) or each unit in its
     * own transaction of [mode].
     */
    @JvmStatic
    public fun readWrite(cache: Cache, mode: TransactionMode?, keys: Array<String>, start: Int, bh: Blackhole): Int =
        runBlocking {
            var index = start
            val mask = keys.size - 1
            repeat(TX_BATCH) { unit ->
                val read = keys[index++ and mask]
                val written = keys[index++ and mask]
                if (mode == null) {
                    bh.consume(cache.get<Int>(read))
                    bh.consume(cache.set(written, unit))
                } else {
                    cache.transaction(mode) {
                        bh.consume(cache.get<Int>(read))
                        bh.consume(cache.set(written, unit))
                    }
                }
            }
            index
        }
}

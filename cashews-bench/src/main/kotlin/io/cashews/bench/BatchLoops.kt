package io.cashews.bench

import io.cashews.Cache
import io.cashews.CacheInterceptor
import io.cashews.CachedFunction1
import io.cashews.cached
import io.cashews.cachedMany
import io.cashews.function
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.infra.Blackhole
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random
import kotlin.time.Duration.Companion.hours

/**
 * The loops of `BatchBenchmark`: [REQUESTS] coroutines per invocation, each asking for one key of [KEYS], at most
 * `callers` of them at a time, on [Dispatchers.Default] as a server's handlers would run.
 */
public object BatchLoops {
    /** Requests per invocation: one coroutine each. */
    public const val REQUESTS: Int = 1000

    /** Distinct keys the requests draw from, all stored before the run. */
    public const val KEYS: Int = 10_000

    /** Keys of one `cachedMany` call, and the number of `cached` calls it is set against. */
    public const val MANY: Int = 100

    /** The commands that reach the backend: each one is a round trip to Redis. */
    public class RoundTrips : CacheInterceptor {
        public val count: AtomicLong = AtomicLong()

        override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R {
            count.incrementAndGet()
            return chain.proceed(chain.command)
        }
    }

    /** Stores every key, so each request below is a hit read from Redis. */
    @JvmStatic
    public fun populate(cache: Cache): Unit =
        runBlocking { cache.setMany((0 until KEYS).associate { "item:$it" to "value of item $it" }) }

    /** [REQUESTS] random key indexes, drawn once per trial. */
    @JvmStatic
    public fun draws(seed: Long): IntArray = Random(seed).let { random -> IntArray(REQUESTS) { random.nextInt(KEYS) } }

    /** Each request a `cached` call of its own key; [callers] of them in flight at a time. */
    @JvmStatic
    public fun cachedRequests(cache: Cache, draws: IntArray, callers: Int, bh: Blackhole) {
        requests(draws, callers) { i -> bh.consume(cache.cached(1.hours, "item:$i") { "loaded $i" }) }
    }

    /** Each request a call of [handle] (a coalescing handle with a bulk loader, or a plain one). */
    @JvmStatic
    public fun handleRequests(handle: CachedFunction1<Int, String>, draws: IntArray, callers: Int, bh: Blackhole) {
        requests(draws, callers) { i -> bh.consume(handle.invoke(i)) }
    }

    /** A handle over the same keys, coalescing or not, with a bulk loader. */
    @JvmStatic
    public fun handle(cache: Cache, coalesce: Boolean): CachedFunction1<Int, String> =
        cache
            .function(ttl = "1h", key = "item:{id}") { id: Int -> "loaded $id" }
            .withBulkLoader(coalesce) { ids -> ids.associateWith { "loaded $it" } }

    /** One `cachedMany` of [MANY] stored keys. */
    @JvmStatic
    public fun cachedMany(cache: Cache, start: Int, bh: Blackhole) {
        val ids = List(MANY) { (start + it) % KEYS }
        runBlocking { bh.consume(cache.cachedMany(ids, 1.hours, keyOf = { "item:$it" }) { it.associateWith { "x" } }) }
    }

    /** [MANY] concurrent `cached` calls of the same keys. */
    @JvmStatic
    public fun manyCached(cache: Cache, start: Int, bh: Blackhole) {
        runBlocking {
            val answers = List(MANY) { n -> async { cache.cached(1.hours, "item:${(start + n) % KEYS}") { "x" } } }
            bh.consume(answers.awaitAll())
        }
    }

    private inline fun requests(draws: IntArray, callers: Int, crossinline request: suspend (Int) -> Unit) {
        runBlocking(Dispatchers.Default) {
            val each = draws.size / callers
            val rest = draws.size % callers
            repeat(callers) { worker ->
                launch {
                    val from = worker * each + minOf(worker, rest)
                    val until = from + each + if (worker < rest) 1 else 0
                    for (n in from until until) request(draws[n])
                }
            }
        }
    }
}

package io.cashews.bench

import com.github.benmanes.caffeine.cache.AsyncCacheLoader
import com.github.benmanes.caffeine.cache.Caffeine
import io.cashews.Cache
import io.cashews.cached
import io.cashews.test.RedisProcess
import io.lettuce.core.RedisClient
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.future
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.TimeSource

/**
 * cacheme's published stampede trace, replayed: [REQUESTS] requests whose keys follow a bounded Zipf law
 * (P(k) ∝ (v + k)^-s, s = 1.001, v = 10, k < 200 000, a fixed seed), drained by N worker coroutines from a cold
 * cache, every load a [LOADER] suspending call. Prints, per contender and worker count: wall time and its ratio to
 * the loader floor (distinct keys × 100 ms ÷ workers), loader calls against distinct keys, Redis GET and MGET
 * commands, and request latency p50 / p99.
 */
public object CachemeTrace {
    private const val REQUESTS = 200_000
    private const val KEY_RANGE = 200_000
    private const val S = 1.001
    private const val V = 10.0
    private const val SEED = 2023L
    private val LOADER = 100.milliseconds

    /**
     * Runs every contender at 1 000 and 10 000 workers; with arguments, only the contenders whose names contain one
     * of them (`CachemeTrace "2 JVMs" caffeine`), or are exactly one written after `=` (`CachemeTrace =redis`).
     */
    @JvmStatic
    public fun main(args: Array<String>) {
        val chosen = { name: String ->
            args.isEmpty() || args.any { if (it.startsWith("=")) name == it.drop(1) else name.contains(it, ignoreCase = true) }
        }
        val keys = zipfKeys()
        val distinct = keys.toSet().size
        println("cacheme trace: $REQUESTS requests, $distinct distinct keys, Zipf(s=$S, v=$V, imax=$KEY_RANGE), ${LOADER.inWholeMilliseconds} ms loader")
        println("%-22s %7s %9s %9s %9s %8s %9s %9s %8s %8s".format("contender", "workers", "wall_ms", "÷floor", "÷ideal", "loads", "GET", "MGET", "p50_ms", "p99_ms"))
        RedisProcess.start().use { redis ->
            for (workers in listOf(1_000, 10_000)) {
                val baseline = Baseline(keys, workers)
                println("a cache that costs nothing, $workers workers: ${baseline.ideal.inWholeMilliseconds} ms, %.2f× the floor".format(baseline.ideal / baseline.floor))
                run("memory", keys, workers, baseline, redis, chosen) { load -> cachedThrough(Cache("mem://?size=300000"), lock = false, load) }
                run("redis", keys, workers, baseline, redis, chosen) { load -> cachedThrough(Cache(redis.url), lock = false, load) }
                run("redis + client-side", keys, workers, baseline, redis, chosen) { load ->
                    cachedThrough(Cache(redis.url + "?client_side=true&client_side_size=300000"), lock = false, load)
                }
                run("redis lock, 2 caches", keys, workers, baseline, redis, chosen) { load ->
                    // Two caches, as two processes would be: each key's requests go to either, by the key's hash.
                    val first = cachedThrough(Cache(redis.url), lock = true, load)
                    val second = cachedThrough(Cache(redis.url), lock = true, load)
                    Contender({ key -> if (key.hashCode() and 1 == 0) first.get(key) else second.get(key) }) {
                        first.close()
                        second.close()
                    }
                }
                if (chosen(TWO_JVMS)) runTwoJvms(keys, workers, baseline, redis)
                run("caffeine async", keys, workers, baseline, redis, chosen) { load ->
                    val scope = CoroutineScope(Dispatchers.Default)
                    val cache =
                        Caffeine
                            .newBuilder()
                            .maximumSize(300_000)
                            .buildAsync(AsyncCacheLoader<String, String> { _, _ -> scope.future { load() } })
                    Contender({ key -> cache.get(key).await() }) { scope.cancel() }
                }
            }
        }
    }

    /** A contender: how it answers a key, and how it is shut down. */
    private class Contender(
        val get: suspend (String) -> String,
        val close: suspend () -> Unit,
    )

    private fun cachedThrough(cache: Cache, lock: Boolean, load: suspend () -> String): Contender =
        Contender({ key -> cache.cached(1.hours, key, lock = lock) { load() } }) { cache.close() }

    /** One contender at one worker count, on a flushed Redis. */
    private fun run(
        name: String,
        keys: List<String>,
        workers: Int,
        baseline: Baseline,
        redis: RedisProcess,
        chosen: (String) -> Boolean,
        build: (load: suspend () -> String) -> Contender,
    ) {
        if (!chosen(name)) return
        val warm = build { warmUpLoad() }
        drain(warmUpKeys(keys), workers) { warm.get(it) }
        runBlocking { warm.close() }
        val client = RedisClient.create(redis.url)
        client.connect().use { it.sync().flushall() }
        val before = commandCounts(client)
        val loads = AtomicInteger()
        val load: suspend () -> String = {
            loads.incrementAndGet()
            delay(LOADER)
            "value"
        }
        val contender = build(load)
        val (wall, latencies) = drain(keys, workers) { contender.get(it) }
        runBlocking { contender.close() }
        val after = commandCounts(client)
        client.shutdown()
        report(name, workers, wall, baseline, loads.get().toLong(), after.first - before.first, after.second - before.second, latencies)
    }

    private fun report(
        name: String,
        workers: Int,
        wall: Duration,
        baseline: Baseline,
        loads: Long,
        gets: Long,
        mgets: Long,
        latencies: LongArray,
    ) {
        latencies.sort()
        println(
            "%-22s %7d %9d %9.2f %9.2f %8d %9d %9d %8.1f %8.1f".format(
                name,
                workers,
                wall.inWholeMilliseconds,
                wall / baseline.floor,
                wall / baseline.ideal,
                loads,
                gets,
                mgets,
                latencies[latencies.size / 2] / 1e6,
                latencies[latencies.size * 99 / 100] / 1e6,
            ),
        )
    }

    /** What each row at one worker count is divided by: the loader floor, and [idealWall]. Worked out once. */
    private class Baseline(
        keys: List<String>,
        workers: Int,
    ) {
        val floor: Duration = LOADER * keys.toSet().size / workers
        val ideal: Duration = idealWall(keys, workers)
    }

    /**
     * The wall time of a cache that costs nothing but its loads: [workers] take [keys] in order, each as soon as it is
     * free; a request for a loaded key is answered at once, one for a key being loaded waits for that load, any other
     * loads for [LOADER]. What separates it from the floor is the trace's own shape (workers waiting on hot keys' first
     * loads, and the last loads' tail); what separates a contender from it is the contender's cost.
     */
    internal fun idealWall(keys: List<String>, workers: Int): Duration {
        val loadedAt = HashMap<String, Long>()
        val free = java.util.PriorityQueue<Long>()
        repeat(workers) { free += 0L }
        val loader = LOADER.inWholeMilliseconds
        for (key in keys) {
            val now = free.poll()
            val ready = loadedAt[key]
            free +=
                when {
                    ready == null -> (now + loader).also { loadedAt[key] = it }
                    else -> maxOf(now, ready)
                }
        }
        return free.max().milliseconds
    }

    /** [workers] coroutines take [keys] in turn and [get] each; the wall time and every request's latency. */
    internal fun drain(keys: List<String>, workers: Int, get: suspend (String) -> Unit): Pair<Duration, LongArray> {
        val latencies = LongArray(keys.size)
        val next = AtomicInteger()
        val started = TimeSource.Monotonic.markNow()
        runBlocking(Dispatchers.Default) {
            repeat(workers) {
                launch {
                    while (true) {
                        val i = next.getAndIncrement()
                        if (i >= keys.size) break
                        val began = System.nanoTime()
                        get(keys[i])
                        latencies[i] = System.nanoTime() - began
                    }
                }
            }
        }
        return started.elapsedNow() to latencies
    }

    /**
     * `cached(lock = true)` from two JVMs: this one and a [CachemeTraceWorker] started for the run, each taking every
     * other request with half the workers. Loads are counted in Redis, so both JVMs' count; latencies are this JVM's.
     */
    private fun runTwoJvms(keys: List<String>, workers: Int, baseline: Baseline, redis: RedisProcess) {
        val javaBinary = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString()
        val worker =
            ProcessBuilder(javaBinary, "-cp", System.getProperty("java.class.path"), CachemeTraceWorker::class.java.name, redis.url, "${workers / 2}", "1")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
        val client = RedisClient.create(redis.url)
        try {
            val cache = Cache(redis.url)
            drain(warmUpKeys(keys), workers / 2) { key -> lockedRequest(cache, key) { warmUpLoad() } }
            val output = worker.inputReader()
            check(output.readLine() == "ready") { "the second JVM did not start" }
            client.connect().use { it.sync().flushall() }
            val before = commandCounts(client)
            val mine = keys.filterIndexed { i, _ -> i % 2 == 0 }
            worker.outputWriter().apply {
                write("go\n")
                flush()
            }
            val (wall, latencies) =
                drain(mine, workers / 2) { key -> lockedRequest(cache, key) { countedLoad(cache) } }
            val theirs = output.readLine()?.removePrefix("done ")?.toLong() ?: error("the second JVM failed")
            check(worker.waitFor(1, java.util.concurrent.TimeUnit.MINUTES)) { "the second JVM did not stop" }
            val loads = runBlocking { cache.get<Long>(LOADS_KEY) ?: 0L }
            runBlocking { cache.close() }
            val after = commandCounts(client)
            val slowest = maxOf(wall, theirs.milliseconds)
            println("  (this JVM ${wall.inWholeMilliseconds} ms, the second JVM $theirs ms)")
            report(TWO_JVMS, workers, slowest, baseline, loads, after.first - before.first, after.second - before.second, latencies)
        } finally {
            worker.destroyForcibly()
            client.shutdown()
        }
    }

    internal const val LOADS_KEY = "trace:loads"

    /** A request of the two-JVM row, in either JVM: `cached(lock = true)` with [load]. */
    internal suspend fun lockedRequest(cache: Cache, key: String, load: suspend () -> String): String =
        cache.cached(1.hours, key, lock = true) { load() }

    private const val TWO_JVMS = "redis lock, 2 JVMs"

    /**
     * The keys of the pass each row makes before it is measured: the whole trace again, on keys of its own, so what is
     * timed is compiled code, not the JIT at work (Redis is flushed between). A pass of a tenth of the trace left the
     * compiler busy through the timed 10 000-worker rows (profiled).
     */
    internal fun warmUpKeys(keys: List<String>): List<String> = keys.map { "warm-up:$it" }

    /** The warm-up pass's loader: short, so the pass takes a fraction of a second. */
    internal suspend fun warmUpLoad(): String {
        delay(1.milliseconds)
        return "value"
    }

    /** The loader of the two-JVM run: counted in Redis so that both JVMs' loads add up. */
    internal suspend fun countedLoad(cache: Cache): String {
        cache.incr(LOADS_KEY)
        delay(LOADER)
        return "value"
    }

    /** Redis's GET and MGET call counts so far. */
    private fun commandCounts(client: RedisClient): Pair<Long, Long> {
        val stats = client.connect().use { it.sync().info("commandstats") }
        fun calls(command: String): Long =
            stats.lines().firstOrNull { it.startsWith("cmdstat_$command:") }?.substringAfter("calls=")?.substringBefore(',')?.toLong() ?: 0
        return calls("get") to calls("mget")
    }

    /** [REQUESTS] keys with P(k) ∝ (v + k)^-s for k < imax, from a fixed seed. */
    internal fun zipfKeys(): List<String> {
        val cumulative = DoubleArray(KEY_RANGE)
        var sum = 0.0
        for (k in 0 until KEY_RANGE) {
            sum += Math.pow(V + k, -S)
            cumulative[k] = sum
        }
        val random = Random(SEED)
        return List(REQUESTS) {
            val point = random.nextDouble() * sum
            val index = cumulative.binarySearch(point).let { if (it < 0) -it - 1 else it }
            "k:$index"
        }
    }
}

/** The second JVM of [CachemeTrace]'s two-JVM row: `args` are the Redis URL, its workers and its half (0 or 1). */
public object CachemeTraceWorker {
    @JvmStatic
    public fun main(args: Array<String>) {
        val cache = Cache(args[0])
        val part = args[2].toInt()
        val keys = CachemeTrace.zipfKeys().filterIndexed { i, _ -> i % 2 == part }
        CachemeTrace.drain(CachemeTrace.warmUpKeys(keys), args[1].toInt()) { key ->
            CachemeTrace.lockedRequest(cache, key) { CachemeTrace.warmUpLoad() }
        }
        println("ready")
        check(readlnOrNull() == "go") { "expected 'go'" }
        val (wall, _) =
            CachemeTrace.drain(keys, args[1].toInt()) { key -> CachemeTrace.lockedRequest(cache, key) { CachemeTrace.countedLoad(cache) } }
        runBlocking { cache.close() }
        println("done ${wall.inWholeMilliseconds}")
    }
}

package io.cashews.test

import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * A Redis Cluster of [masters] `redis-server` processes on free loopback ports, without replicas, formed without
 * `redis-cli` (slots assigned and nodes met over plain RESP), for tests. [close] stops every process.
 *
 * With a controlled clock ([startWithControlledClock]) every node's wall clock is frozen and moved together by
 * [advanceClock]; node timeouts are set far beyond any test's jumps, so moving the clock never fails a node.
 */
public class RedisCluster private constructor(
    /** The nodes, each a master owning an equal share of the 16 384 slots. */
    public val nodes: List<RedisProcess>,
) : AutoCloseable {
    /** `redis-cluster://127.0.0.1:<port>` of the first node: any node lets a client discover the others. */
    public val url: String get() = "redis-cluster://127.0.0.1:${nodes.first().port}"

    /** Moves every node's frozen wall clock forward by [by]. */
    public fun advanceClock(by: Duration) {
        for (node in nodes) node.advanceClock(by)
    }

    override fun close() {
        for (node in nodes) node.close()
    }

    private fun form() {
        val share = SLOTS / nodes.size
        nodes.forEachIndexed { i, node ->
            val first = i * share
            val last = if (i == nodes.lastIndex) SLOTS - 1 else first + share - 1
            RespClient(node.port).use { client ->
                client.call("CLUSTER", "ADDSLOTS", *(first..last).map(Int::toString).toTypedArray())
                for (other in nodes) if (other !== node) client.call("CLUSTER", "MEET", "127.0.0.1", "${other.port}")
            }
        }
        awaitClusterOk()
    }

    private fun awaitClusterOk() {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FORM_SECONDS)
        while (System.nanoTime() < deadline) {
            // A fresh master waits a while (on its wall clock) before it accepts writes: let a frozen clock move on.
            if (nodes.first().hasControlledClock) advanceClock(1.seconds)
            if (nodes.all(::isOk)) return
            Thread.sleep(POLL_MILLIS)
        }
        close()
        error("the Redis Cluster did not reach cluster_state:ok within $FORM_SECONDS s")
    }

    private fun isOk(node: RedisProcess): Boolean =
        RespClient(node.port).use { client ->
            val info = client.call("CLUSTER", "INFO") as String
            val slots = client.call("CLUSTER", "SLOTS") as List<*>
            "cluster_state:ok" in info && slots.isNotEmpty()
        }

    public companion object {
        private const val SLOTS = 16_384
        private const val FORM_SECONDS = 30L
        private const val POLL_MILLIS = 50L

        // Far beyond any clock jump a test makes, so a moved clock never marks a node as failing.
        private val NODE_ARGS = arrayOf("--cluster-enabled", "yes", "--cluster-node-timeout", "100000000000")

        /** Starts and forms a cluster of [masters] nodes. */
        @JvmStatic
        @JvmOverloads
        public fun start(masters: Int = 3): RedisCluster = formed(List(masters) { RedisProcess.start(*NODE_ARGS) })

        /** [start] with every node's clock frozen (see [RedisProcess.startWithControlledClock]). */
        @JvmStatic
        @JvmOverloads
        public fun startWithControlledClock(masters: Int = 3): RedisCluster =
            formed(List(masters) { RedisProcess.startWithControlledClock(*NODE_ARGS) })

        private fun formed(nodes: List<RedisProcess>): RedisCluster {
            val cluster = RedisCluster(nodes)
            try {
                cluster.form()
            } catch (e: Exception) {
                cluster.close()
                throw e
            }
            return cluster
        }
    }
}

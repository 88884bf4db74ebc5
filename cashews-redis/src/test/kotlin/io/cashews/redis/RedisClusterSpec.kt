package io.cashews.redis

import io.cashews.Cache
import io.cashews.SetupError
import io.cashews.test.RedisCluster
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.lettuce.core.RedisClient
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.time.Duration.Companion.minutes

class RedisClusterSpec : FunSpec({
    test("redis-cluster:// spreads keys over every master; multi-key and pattern commands cover them all") {
        RedisCluster.start().use { cluster ->
            runBlocking(Dispatchers.Default) {
                val cache = Cache(cluster.url)
                val keys = (1..60).map { "user:$it" }
                cache.setMany(keys.associateWith { it.uppercase() }, ttl = 1.minutes)
                cache.getMany<String>(keys) shouldBe keys.map { it.uppercase() }
                for (node in cluster.nodes) {
                    val client = RedisClient.create("redis://127.0.0.1:${node.port}")
                    client.connect().use { it.sync().dbsize() shouldBeGreaterThan 0 }
                    client.shutdown()
                }
                cache.keysCount() shouldBe 60
                cache.scan("user:1*").toList().size shouldBe 11
                cache.incr("hits", 5) shouldBe 5
                cache.deleteMatch("user:*") shouldBe 60
                cache.deleteMany(listOf("hits", "missing")) shouldBe 1
                cache.keysCount() shouldBe 0
                cache.close()
            }
        }
    }

    test("a cluster has only database 0") {
        shouldThrow<SetupError> { Cache("redis-cluster://127.0.0.1:7000/2") }
    }
})

package io.cashews.redis

import io.cashews.test.BackendContractSpec
import io.cashews.test.RedisCluster
import io.cashews.test.RedisProcess
import io.kotest.core.annotation.Condition
import io.kotest.core.annotation.EnabledIf
import io.kotest.core.spec.Spec
import io.lettuce.core.RedisURI
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.TestTimeSource

/**
 * A server (`$REDIS_SERVER`, else redis-server) whose wall clock only moves when a contract case advances time, shared by the cases of one spec
 * (each case ends with `clear`). Started on first use; stopped when the JVM exits.
 */
private class ControlledRedis {
    val process: RedisProcess by lazy {
        RedisProcess.startWithControlledClock().also { started ->
            Runtime.getRuntime().addShutdownHook(Thread(started::close))
        }
    }

    fun backend(): RedisBackend = RedisBackend(RedisURI.create(process.url))

    fun advance(time: TestTimeSource, by: Duration) {
        time += by
        process.advanceClock(by)
    }
}

private val jsonRedis = ControlledRedis()
private val signedRedis = ControlledRedis()

/** A 3-master Redis Cluster with frozen clocks, shared like [ControlledRedis]. */
private object ControlledCluster {
    val cluster: RedisCluster by lazy {
        RedisCluster.startWithControlledClock().also { started ->
            Runtime.getRuntime().addShutdownHook(Thread(started::close))
        }
    }

    fun backend(): RedisBackend =
        RedisBackend(
            RedisURI.create("redis://127.0.0.1:${cluster.nodes.first().port}"),
            cluster = true,
        )

    fun advance(time: TestTimeSource, by: Duration) {
        time += by
        cluster.advanceClock(by)
    }
}

/**
 * Runs the contract specs only where a server's clock can be controlled (a C compiler builds the clock shim); elsewhere
 * says why, once per spec, and skips them instead of failing every case.
 */
class ControlledClockAvailable : Condition {
    override fun evaluate(kclass: KClass<out Spec>): Boolean {
        val unavailable = RedisProcess.controlledClockUnavailable() ?: return true
        System.err.println("${kclass.simpleName} skipped: $unavailable")
        return false
    }
}

/** The whole backend contract against a real Redis: values as the default JSON codec writes them. */
@EnabledIf(ControlledClockAvailable::class)
class RedisBackendContractSpec :
    BackendContractSpec(newBackend = { jsonRedis.backend() }) {
    override suspend fun advanceTime(time: TestTimeSource, by: Duration) = jsonRedis.advance(time, by)
}

/** The contract against Redis with signed, compressed values. */
@EnabledIf(ControlledClockAvailable::class)
class SignedRedisBackendContractSpec :
    BackendContractSpec(
        setupParams = mapOf("secret" to "s3cr3t", "digestmod" to "sha256", "compress_type" to "gzip"),
        newBackend = { signedRedis.backend() },
    ) {
    override suspend fun advanceTime(time: TestTimeSource, by: Duration) = signedRedis.advance(time, by)
}

/** The contract against a 3-master Redis Cluster: keys spread over every master. */
@EnabledIf(ControlledClockAvailable::class)
class ClusterRedisBackendContractSpec :
    BackendContractSpec(newBackend = { ControlledCluster.backend() }) {
    override suspend fun advanceTime(time: TestTimeSource, by: Duration) = ControlledCluster.advance(time, by)
}

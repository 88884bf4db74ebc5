package io.cashews.examples

import io.cashews.Cache
import io.cashews.MemoryBackend
import io.cashews.SetupError
import io.cashews.disk.DiskBackend
import io.cashews.redis.RedisBackend
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.file.Files
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

/**
 * Every `setup(...)` call in the seed READMEs, as a migrating user copies it: the URL as written, keyword arguments
 * as `params`. Hosts that name the authors' machines (`0.0.0.0`, `redis`, none) are pointed at a real redis-server;
 * everything else is kept. Each either works (and a value goes in and comes back out) or fails naming what to use.
 */
class SeedSetupSpec : FunSpec({
    val redis = RedisProcess.start()
    val locked = RedisProcess.start("--requirepass", "my_pass")
    afterSpec {
        redis.close()
        locked.close()
    }
    val address = redis.url.removePrefix("redis://")

    /** The seed's URL on the test server: `0.0.0.0`, `redis` and an empty host become its address. */
    fun local(url: String, server: RedisProcess = redis): String {
        val at = server.url.removePrefix("redis://")
        return Regex("^(rediss?)://(0\\.0\\.0\\.0|redis)?(?=[/?]|$)").replace(url) { "${it.groupValues[1]}://$at" }
    }

    suspend fun withCache(block: suspend (Cache) -> Unit) {
        val cache = Cache()
        try {
            block(cache)
        } finally {
            cache.close()
        }
    }

    suspend fun Cache.roundTrip() {
        set("seed:key", "value", 1.minutes)
        get<String>("seed:key") shouldBe "value"
    }

    suspend fun works(url: String, params: Map<String, Any?> = emptyMap(), server: RedisProcess = redis): Cache {
        val cache = Cache()
        cache.setup(local(url, server), params = params)
        cache.roundTrip()
        return cache
    }

    test("the reference README's Redis URLs with query parameters") {
        works("redis://0.0.0.0/?db=1&create_connection_timeout=0.5&safe=0&hash_key=my_sicret&enable=1").close()
        works("redis://0.0.0.0/?db=1&minsize=10&safe=1&hash_key=my_secret").close()
        works("redis://0.0.0.0/?db=1&minsize=10&suppress=false&hash_key=my_secret").close()
        works("redis://0.0.0.0/?db=1&socket_connect_timeout=0.5&suppress=0&hash_key=my_secret&enable=1").close()
        works("redis://redis/0?enable=1").close()
        works("redis://redis?enable=True").close()
        works("redis://redis/0").close()
        works("redis://").close()
    }

    test("the reference README's Redis setups with keyword arguments") {
        val secretKey = "my_key"
        works(
            "redis://0.0.0.0/",
            mapOf(
                "db" to 1,
                "create_connection_timeout" to 0.5,
                "safe" to false,
                "hash_key" to secretKey,
                "enable" to true,
            ),
        ).close()
        works(
            "redis://0.0.0.0/",
            mapOf("db" to 1, "wait_for_connection_timeout" to 0.5, "suppress" to false, "hash_key" to secretKey),
        ).close()
        works(
            "redis://0.0.0.0/2",
            mapOf("password" to "my_pass", "socket_connect_timeout" to 0.1, "hash_key" to "my_secret"),
            locked,
        ).close()
        works(
            "redis://0.0.0.0/",
            mapOf(
                "db" to 1,
                "password" to "my_pass",
                "create_connection_timeout" to 0.1,
                "safe" to 0,
                "hash_key" to "my_secret",
                "client_side" to true,
            ),
            locked,
        ).close()
        works("redis://", mapOf("client_side" to true)).close()
    }

    test("db as a parameter chooses the database, as the URL's path does") {
        val viaParam = Cache().apply { setup("redis://$address?db=3") }
        val viaPath = Cache().apply { setup("redis://$address/3") }
        val otherDb = Cache().apply { setup("redis://$address/0") }
        viaParam.set("seed:in-db-3", "value", 1.minutes)
        viaPath.get<String>("seed:in-db-3") shouldBe "value"
        otherDb.get<String>("seed:in-db-3") shouldBe null
        shouldThrow<SetupError> { Cache().setup("redis://$address/2?db=3") }.message shouldContain "give one"
        shouldThrow<SetupError> { Cache().setup("redis://$address?db=two") }.message shouldContain "'two'"
        listOf(viaParam, viaPath, otherDb).forEach { it.close() }
    }

    test("a password as a parameter authenticates, and is never quoted") {
        works("redis://0.0.0.0/?password=my_pass", server = locked).close()
        val error =
            shouldThrow<SetupError> {
                Cache().setup(
                    "redis://:other@${locked.url.removePrefix("redis://")}?password=my_pass",
                )
            }
        error.message shouldContain "not both"
        error.message shouldNotContain "my_pass"
        error.message shouldNotContain "other"
    }

    test("retry_on_timeout=true is refused with what to use instead; false is what happens anyway") {
        works("redis://0.0.0.0/2", mapOf("retry_on_timeout" to false)).close()
        val error =
            shouldThrow<SetupError> {
                Cache().setup(
                    local("redis://0.0.0.0/2"),
                    params =
                        mapOf("retry_on_timeout" to true),
                )
            }
        error.message shouldContain "retry"
        error.message shouldContain "twice"
    }

    test("client_side_prefix stores every key behind the prefix, invisibly to callers") {
        val cache = works("redis://0.0.0.0", mapOf("client_side" to true, "client_side_prefix" to "my_prefix:"))
        val plain = Cache().apply { setup(redis.url) }
        plain.get<String>("my_prefix:seed:key") shouldBe "value"
        cache.close()
        plain.close()
        shouldThrow<SetupError> { Cache().setup(redis.url, params = mapOf("client_side_prefix" to "p:")) }
            .message shouldContain "client_side=true"
    }

    test("pickle_type: dill is answered with the JVM codecs to use instead") {
        val error =
            shouldThrow<SetupError> {
                Cache().setup(
                    local("redis://0.0.0.0"),
                    params =
                        mapOf(
                            "client_side" to true,
                            "client_side_prefix" to "my_prefix:",
                            "pickle_type" to "dill",
                        ),
                )
            }
        error.message shouldContain "codec=jackson"
        shouldThrow<SetupError> { Cache().setup("mem://?pickle_type=sqlalchemy") }.message shouldContain "codec=jackson"
        works("redis://0.0.0.0?pickle_type=json").close()
        works("redis://0.0.0.0?pickle_type=default").close()
        shouldThrow<SetupError> { Cache().setup("mem://?pickle_type=json&codec=cbor") }.message shouldContain "not both"
    }

    test("rediss:// with the seed's certificate paths names the file that is missing") {
        val error =
            shouldThrow<SetupError> {
                Cache().setup(
                    "rediss://0.0.0.0/",
                    params =
                        mapOf(
                            "ssl_ca_certs" to "path/to/ca.crt",
                            "ssl_keyfile" to "path/to/client.key",
                            "ssl_certfile" to "path/to/client.crt",
                        ),
                )
            }
        error.message shouldContain "path/to/"
    }

    test("the memory URLs, enabled and disabled, with and without prefixes") {
        withCache { cache ->
            cache.setup("mem://").shouldBeInstanceOf<MemoryBackend>()
            cache.roundTrip()
        }
        works("mem://?size=500").close()
        works("mem://?check_interval=10&size=10000").close()
        Cache().apply { setup("mem://?size=500", prefix = "user") }.close()
        Cache().apply { setup("mem://", prefix = "fail:user") }.close()
        for (disabled in listOf(mapOf("disable" to true), mapOf("enable" to false))) {
            val cache = Cache().apply { setup("mem://?size=500", params = disabled) }
            cache.set("seed:key", "value", 1.minutes)
            cache.get<String>("seed:key") shouldBe null
        }
        val early = Cache().apply { setup("://", prefix = "early") }
        early.set("early:key", "value", 1.minutes)
        early.get<String>("early:key") shouldBe null
    }

    test("the disk URLs, shards=0 being one unsharded store") {
        val directory = Files.createTempDirectory("cashews-seed")
        try {
            withCache { cache ->
                (cache.setup("disk://?directory=$directory&timeout=1&shards=0") as DiskBackend).shards shouldBe 1
                cache.roundTrip()
            }
            works(
                "disk://?directory=$directory/sized",
                mapOf("size_limit" to 3L * 1024 * 1024 * 1024, "shards" to 12),
            ).close()
        } finally {
            directory.toFile().deleteRecursively()
        }
    }

    test("digestmod=sum and the xxhash digests are refused: they sign nothing a reader could not forge") {
        for (digest in listOf("sum", "xxh3_64", "xxh64")) {
            val error = shouldThrow<SetupError> { Cache().setup("mem://?secret=s&digestmod=$digest") }
            error.message shouldContain "'$digest'"
            error.message shouldContain "sha256"
        }
        works("redis://0.0.0.0/?hash_key=k&digestmod=sha256").close()
        shouldThrow<SetupError> { Cache().setup("mem://?secret=a&hash_key=b") }.message shouldContain "differ"
    }

    test("connect timeout names that disagree are refused, naming both") {
        val error =
            shouldThrow<SetupError> {
                Cache().setup(
                    redis.url,
                    params =
                        mapOf(
                            "socket_connect_timeout" to 0.5,
                            "create_connection_timeout" to 1,
                        ),
                )
            }
        error.message shouldContain "'socket_connect_timeout'"
        error.message shouldContain "'create_connection_timeout'"
        withCache { cache ->
            (cache.setup(local("redis://0.0.0.0?create_connection_timeout=0.25")) as RedisBackend)
                .connectTimeout shouldBe 250.milliseconds
        }
    }
})

package io.cashews.consumer

import io.cashews.Cache
import io.cashews.CacheCondition
import io.cashews.OutagePolicy
import io.cashews.cached
import io.cashews.rateLimit
import io.cashews.redis.RedisBackend
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import kotlin.time.Duration.Companion.minutes

@Serializable
data class Profile(val id: Long, val name: String)

/** Compiled by Kotlin 2.2 against the library's jars, and run on Kotlin 2.2's standard library. */
class Kotlin22ConsumerTest {
    @Test
    fun `the API compiles and runs under Kotlin 2_2`() =
        runBlocking {
            val cache = Cache("mem://?size=100")
            var loads = 0
            repeat(3) {
                val profile =
                    cache.cached(10.minutes, key = "profile:1", condition = CacheCondition.NotNull) {
                        loads++
                        Profile(1, "Ann")
                    }
                assertEquals(Profile(1, "Ann"), profile)
            }
            assertEquals(1, loads)
            assertEquals(listOf(1, 2, 3), flowOf(1, 2, 3).cached(cache, "numbers", 1.minutes).toList())
            val admitted = cache.rateLimit(limit = 5, period = 1.minutes, key = "api", whenUnavailable = OutagePolicy.LOCAL) { "ok" }
            assertEquals("ok", admitted)
            assertEquals(3, RedisBackend.DEFAULT_OUTAGE_TIMEOUTS)
            assertEquals("2.2", KotlinVersion.CURRENT.let { "${it.major}.${it.minor}" })
            cache.close()
        }
}

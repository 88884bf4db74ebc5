package io.cashews.internal.value

import io.cashews.BitsBackend
import io.cashews.Gcra
import io.cashews.InternalCacheApi
import io.cashews.SetBackend
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import io.cashews.internal.route.Routing
import kotlin.time.Duration

/**
 * The Redis-style primitives the strategies are built from (bit counters, sliding-window logs, string sets): their
 * arguments checked, then sent to the capability of the key's backend that runs them atomically.
 */
internal class Primitives(
    private val routing: Routing,
) {
    suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> {
        checkBits(indexes, size)
        return routing.capability<BitsBackend>(key, "getBits").getBits(key, indexes, size)
    }

    suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> {
        checkBits(indexes, size)
        return routing.capability<BitsBackend>(key, "incrBits").incrBits(key, indexes, size, by)
    }

    suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long {
        require(start <= end) { "window start $start is after its end $end" }
        require(maxValue > 0) { "maxValue must be positive, was $maxValue" }
        val windows = routing.capability<SlidingWindowBackend>(key, "sliceIncr")
        return windows.sliceIncr(key, start, end, maxValue, TtlChecks.checked(ttl))
    }

    suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant {
        @OptIn(InternalCacheApi::class)
        Gcra.check(interval.inWholeNanoseconds, burst, cost)
        return routing.capability<TokenBucketBackend>(key, "takeTokens").takeTokens(key, interval, burst, cost)
    }

    suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        routing.capability<SetBackend>(key, "setAdd").setAdd(key, members, TtlChecks.checked(ttl))

    suspend fun setRemove(key: String, members: Collection<String>): Long =
        routing.capability<SetBackend>(key, "setRemove").setRemove(key, members)

    suspend fun setPop(key: String, count: Int): List<String> {
        require(count >= 0) { "count must not be negative, was $count" }
        return routing.capability<SetBackend>(key, "setPop").setPop(key, count)
    }

    suspend fun setMembers(key: String): Set<String> = routing.capability<SetBackend>(key, "setMembers").setMembers(key)

    private fun checkBits(indexes: List<Int>, size: Int) {
        require(size in 1..MAX_BITS) { "counter size must be in 1..$MAX_BITS bits, was $size" }
        val negative = indexes.firstOrNull { it < 0 }
        require(negative == null) { "counter index must not be negative, was $negative" }
    }

    private companion object {
        const val MAX_BITS = 63
    }
}

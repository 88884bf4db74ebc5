package io.cashews.internal.chain

import io.cashews.Backend
import io.cashews.BitsBackend
import io.cashews.KeyTtl
import io.cashews.LockBackend
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emptyFlow
import kotlin.time.Duration

/**
 * What a disabled backend answers: every command returns its neutral answer, shaped like the real one (misses,
 * `false`, zeros, empty lists of the right length), and nothing is stored.
 */
internal object NeutralBackend :
    Backend,
    LockBackend,
    BitsBackend,
    SlidingWindowBackend,
    SetBackend,
    TokenBucketBackend {
    override val storesObjects: Boolean get() = true

    override suspend fun get(key: String): Any? = null

    override suspend fun getMany(keys: List<String>): List<Any?> = List(keys.size) { null }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean = false

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?) {}

    override suspend fun delete(key: String): Boolean = false

    override suspend fun deleteMany(keys: Collection<String>): Long = 0

    override suspend fun deleteMatch(pattern: String): Long = 0

    override fun scan(pattern: String): Flow<String> = emptyFlow()

    override suspend fun exists(key: String): Boolean = false

    override suspend fun expire(key: String, ttl: Duration): Boolean = false

    override suspend fun ttl(key: String): KeyTtl = KeyTtl.Missing

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long = 0

    override suspend fun sizeOf(key: String): Long = 0

    override suspend fun keysCount(): Long = 0

    override suspend fun ping(): Boolean = false

    override suspend fun clear() {}

    override suspend fun close() {}

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean = false

    override suspend fun unlock(key: String, token: String): Boolean = false

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean = false

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> = List(indexes.size) { 0L }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        List(
            indexes.size,
        ) {
            0L
        }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long = 0

    // A disabled backend limits nothing, as its other counters count nothing.
    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant =
        TokenGrant(true, burst - cost, Duration.ZERO)

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long = 0

    override suspend fun setRemove(key: String, members: Collection<String>): Long = 0

    override suspend fun setPop(key: String, count: Int): List<String> = emptyList()

    override suspend fun setMembers(key: String): Set<String> = emptySet()
}

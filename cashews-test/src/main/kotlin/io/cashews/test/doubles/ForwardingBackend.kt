package io.cashews.test

import io.cashews.Backend
import io.cashews.BitsBackend
import io.cashews.Command
import io.cashews.EvictingBackend
import io.cashews.KeyTtl
import io.cashews.LocalCopy
import io.cashews.LocalCopyBackend
import io.cashews.LockBackend
import io.cashews.LockReleaseBackend
import io.cashews.LockReleaseWatch
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import io.cashews.UnsupportedCommandError
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlin.time.Duration

/**
 * A backend that sends every command to [delegate], with every capability of the SPI: the base of backends that
 * watch or change what reaches another (a recording, a fault injector, a decorator of your own). Every command
 * passes through [forward], the one method to override.
 *
 * A capability [delegate] lacks answers as a backend without it would: a lock, bits, window or set command fails with
 * [UnsupportedCommandError]; there is no local copy ([localCopy] is `null`); a release is never announced (waiters
 * check again after their step); nothing is evicted. It does not read without suspending
 * ([io.cashews.ImmediateReadBackend]): every read goes through [forward], so the cache's hit path suspends on it.
 */
public open class ForwardingBackend(
    /** Where commands go. */
    public val delegate: Backend,
) : Backend,
    LockBackend,
    LockReleaseBackend,
    BitsBackend,
    SlidingWindowBackend,
    TokenBucketBackend,
    SetBackend,
    LocalCopyBackend,
    EvictingBackend {
    /** Runs [call], the command [command] on [key] (the pattern for scans, `null` for whole-backend commands). */
    protected open suspend fun <R> forward(command: Command, key: String?, call: suspend () -> R): R = call()

    override val storesObjects: Boolean get() = delegate.storesObjects

    override suspend fun init(): Unit = delegate.init()

    override suspend fun get(key: String): Any? = forward(Command.GET, key) { delegate.get(key) }

    override suspend fun getMany(keys: List<String>): List<Any?> =
        forward(Command.GET_MANY, keys.firstOrNull()) { delegate.getMany(keys) }

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean =
        forward(Command.SET, key) { delegate.set(key, value, ttl, condition) }

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?): Unit =
        forward(Command.SET_MANY, entries.keys.firstOrNull()) { delegate.setMany(entries, ttl) }

    override suspend fun delete(key: String): Boolean = forward(Command.DELETE, key) { delegate.delete(key) }

    override suspend fun deleteMany(keys: Collection<String>): Long =
        forward(Command.DELETE_MANY, keys.firstOrNull()) { delegate.deleteMany(keys) }

    override suspend fun deleteMatch(pattern: String): Long =
        forward(Command.DELETE_MATCH, pattern) { delegate.deleteMatch(pattern) }

    override fun scan(pattern: String): Flow<String> =
        flow { emitAll(forward(Command.SCAN, pattern) { delegate.scan(pattern) }) }

    override suspend fun exists(key: String): Boolean = forward(Command.EXISTS, key) { delegate.exists(key) }

    override suspend fun expire(key: String, ttl: Duration): Boolean =
        forward(Command.EXPIRE, key) { delegate.expire(key, ttl) }

    override suspend fun ttl(key: String): KeyTtl = forward(Command.TTL, key) { delegate.ttl(key) }

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long =
        forward(Command.INCR, key) { delegate.incr(key, by, ttl) }

    override suspend fun sizeOf(key: String): Long = forward(Command.SIZE_OF, key) { delegate.sizeOf(key) }

    override suspend fun keysCount(): Long = forward(Command.KEYS_COUNT, null) { delegate.keysCount() }

    override suspend fun ping(): Boolean = forward(Command.PING, null) { delegate.ping() }

    override suspend fun clear(): Unit = forward(Command.CLEAR, null) { delegate.clear() }

    override suspend fun close(): Unit = delegate.close()

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        forward(Command.SET_LOCK, key) { capability<LockBackend>("setLock").setLock(key, token, ttl) }

    override suspend fun unlock(key: String, token: String): Boolean =
        forward(Command.UNLOCK, key) { capability<LockBackend>("unlock").unlock(key, token) }

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        forward(Command.RENEW_LOCK, key) { capability<LockBackend>("renewLock").renewLock(key, token, ttl) }

    override fun watchRelease(key: String): LockReleaseWatch =
        (delegate as? LockReleaseBackend)?.watchRelease(key) ?: SilentWatch

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> =
        forward(Command.GET_BITS, key) { capability<BitsBackend>("getBits").getBits(key, indexes, size) }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        forward(Command.INCR_BITS, key) { capability<BitsBackend>("incrBits").incrBits(key, indexes, size, by) }

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        forward(Command.SLICE_INCR, key) {
            capability<SlidingWindowBackend>("sliceIncr").sliceIncr(key, start, end, maxValue, ttl)
        }

    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant =
        forward(Command.TAKE_TOKENS, key) {
            capability<TokenBucketBackend>("takeTokens").takeTokens(key, interval, burst, cost)
        }

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        forward(Command.SET_ADD, key) { capability<SetBackend>("setAdd").setAdd(key, members, ttl) }

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        forward(Command.SET_REMOVE, key) { capability<SetBackend>("setRemove").setRemove(key, members) }

    override suspend fun setPop(key: String, count: Int): List<String> =
        forward(Command.SET_POP, key) { capability<SetBackend>("setPop").setPop(key, count) }

    override suspend fun setMembers(key: String): Set<String> =
        forward(Command.SET_MEMBERS, key) { capability<SetBackend>("setMembers").setMembers(key) }

    override fun localCopy(key: String): LocalCopy? = (delegate as? LocalCopyBackend)?.localCopy(key)

    override fun addEvictionListener(listener: (key: String) -> Unit) {
        (delegate as? EvictingBackend)?.addEvictionListener(listener)
    }

    override fun toString(): String = "${javaClass.simpleName}($delegate)"

    private inline fun <reified C : Any> capability(command: String): C =
        delegate as? C
            ?: throw UnsupportedCommandError(
                "$command needs ${C::class.simpleName}, which $delegate does not implement",
            )

    /** The watch of a delegate that announces no releases: waiters wait out their step and check again. */
    private object SilentWatch : LockReleaseWatch {
        override suspend fun await(timeout: Duration): Boolean {
            delay(timeout)
            return false
        }

        override fun close() {}
    }
}

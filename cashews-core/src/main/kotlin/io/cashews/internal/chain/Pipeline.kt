package io.cashews.internal.chain

import io.cashews.Backend
import io.cashews.BitsBackend
import io.cashews.CacheCommand
import io.cashews.CacheInterceptor
import io.cashews.KeyTtl
import io.cashews.LockBackend
import io.cashews.SetBackend
import io.cashews.SetCondition
import io.cashews.SlidingWindowBackend
import io.cashews.TokenBucketBackend
import io.cashews.TokenGrant
import io.cashews.internal.route.Route
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlin.time.Duration

/**
 * A route's backend behind the command chain: the cache-wide interceptors, the route's own, the disable check, the
 * backend, then the callbacks. Built only while one of them is in use (see [Route.refresh]), with the interceptor
 * lists as they were then.
 */
internal class Pipeline(
    private val route: Route,
    private val controls: CommandControls,
) : Backend,
    LockBackend,
    BitsBackend,
    SlidingWindowBackend,
    TokenBucketBackend,
    SetBackend {
    /** The cache-wide interceptors this pipeline was built with (a new list each time they change). */
    val builtFrom: List<CacheInterceptor> = controls.interceptors
    private val interceptors: List<CacheInterceptor> = builtFrom + route.interceptors

    override val storesObjects: Boolean get() = route.backend.storesObjects

    suspend fun <R> run(command: CacheCommand<R>): R =
        if (interceptors.isEmpty()) terminal(command) else interceptors[0].intercept(Link(0, command))

    private inner class Link<R>(
        private val index: Int,
        override val command: CacheCommand<R>,
    ) : CacheInterceptor.Chain<R> {
        override val backend: Backend get() = route.backend
        override val prefix: String get() = route.prefix
        override val layer: String get() = route.layer

        override suspend fun proceed(command: CacheCommand<R>): R {
            val next = index + 1
            return if (next <
                interceptors.size
            ) {
                interceptors[next].intercept(Link(next, command))
            } else {
                terminal(command)
            }
        }
    }

    // Only tail calls on the common path (nothing disabled, no callback, no block in context), so a command through
    // the chain allocates no continuation here.
    private suspend fun <R> terminal(command: CacheCommand<R>): R =
        if (route.disabled.isEmpty() && !controls.scoped && controls.callbacks.isEmpty() && route.initialised) {
            command.execute(route.backend)
        } else {
            terminalChecked(command)
        }

    private suspend fun <R> terminalChecked(command: CacheCommand<R>): R {
        if (command.kind in route.disabled || controls.disabledInContext(route.prefix, command.kind)) {
            return command.execute(NeutralBackend)
        }
        route.initialise()
        val result = command.execute(route.backend)
        controls.fireCallbacks(command, result)
        return result
    }

    override suspend fun get(key: String): Any? = run(CacheCommand.Get(key))

    override suspend fun getMany(keys: List<String>): List<Any?> = run(CacheCommand.GetMany(keys))

    override suspend fun set(key: String, value: Any, ttl: Duration?, condition: SetCondition): Boolean =
        run(CacheCommand.Set(key, value, ttl, condition))

    override suspend fun setMany(entries: Map<String, Any>, ttl: Duration?): Unit =
        run(CacheCommand.SetMany(entries, ttl))

    override suspend fun delete(key: String): Boolean = run(CacheCommand.Delete(key))

    override suspend fun deleteMany(keys: Collection<String>): Long = run(CacheCommand.DeleteMany(keys.toList()))

    override suspend fun deleteMatch(pattern: String): Long = run(CacheCommand.DeleteMatch(pattern))

    override fun scan(pattern: String): Flow<String> = flow { emitAll(run(CacheCommand.Scan(pattern))) }

    override suspend fun exists(key: String): Boolean = run(CacheCommand.Exists(key))

    override suspend fun expire(key: String, ttl: Duration): Boolean = run(CacheCommand.Expire(key, ttl))

    override suspend fun ttl(key: String): KeyTtl = run(CacheCommand.GetTtl(key))

    override suspend fun incr(key: String, by: Long, ttl: Duration?): Long = run(CacheCommand.Incr(key, by, ttl))

    override suspend fun sizeOf(key: String): Long = run(CacheCommand.SizeOf(key))

    override suspend fun keysCount(): Long = run(CacheCommand.KeysCount)

    override suspend fun ping(): Boolean = run(CacheCommand.Ping)

    override suspend fun clear(): Unit = run(CacheCommand.Clear)

    override suspend fun close() {
        route.backend.close()
    }

    override suspend fun setLock(key: String, token: String, ttl: Duration): Boolean =
        run(CacheCommand.SetLock(key, token, ttl))

    override suspend fun unlock(key: String, token: String): Boolean = run(CacheCommand.Unlock(key, token))

    override suspend fun renewLock(key: String, token: String, ttl: Duration): Boolean =
        run(CacheCommand.RenewLock(key, token, ttl))

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> =
        run(CacheCommand.GetBits(key, indexes, size))

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        run(CacheCommand.IncrBits(key, indexes, size, by))

    override suspend fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        run(CacheCommand.SliceIncr(key, start, end, maxValue, ttl))

    override suspend fun takeTokens(key: String, interval: Duration, burst: Long, cost: Long): TokenGrant =
        run(CacheCommand.TakeTokens(key, interval, burst, cost))

    override suspend fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        run(CacheCommand.SetAdd(key, members, ttl))

    override suspend fun setRemove(key: String, members: Collection<String>): Long =
        run(CacheCommand.SetRemove(key, members))

    override suspend fun setPop(key: String, count: Int): List<String> = run(CacheCommand.SetPop(key, count))

    override suspend fun setMembers(key: String): Set<String> = run(CacheCommand.SetMembers(key))

    override fun toString(): String = route.backend.toString()
}

package io.cashews.java

import io.cashews.Command
import io.cashews.Detected
import io.cashews.InternalCacheApi
import io.cashews.JavaCache
import io.cashews.KeyTtl
import io.cashews.RememberedKey
import io.cashews.SetCondition
import io.cashews.StrategyStats
import io.cashews.TransactionMode
import io.cashews.callback
import io.cashews.detect
import io.cashews.disabling
import io.cashews.internal.value.NotNow
import io.cashews.invalidate
import io.cashews.invalidateFurther
import io.cashews.transaction
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.function.Function
import java.util.function.Supplier
import kotlin.time.toKotlinDuration

/**
 * The blocking face of a [JavaCache] (`jc.blocking()`), for code on virtual threads or plain threads: each command
 * returns its result, or throws the exception the [JavaCache] future would complete with.
 *
 * ```java
 * BlockingCache cache = jc.blocking();
 * cache.set("user:1", user, Duration.ofHours(3));
 * User u = cache.get("user:1", User.class);
 * ```
 *
 * An in-memory hit returns at once, with no thread hop. A command that must wait parks the calling thread (a virtual
 * thread unmounts from its carrier). Interrupting a waiting thread cancels the command and throws
 * [InterruptedException], with the thread's interrupt status cleared as `Thread.sleep` does. Blocks given to scoped
 * calls ([transaction], [detect], …) run on the calling thread; their commands belong to the block.
 *
 * Strategies have their blocking forms on the builders: `buildBlocking`, `getBlocking`, and `applyBlocking` on the
 * handles they build.
 */
public open class BlockingCache internal constructor(
    /** The future face this one waits on. */
    public val async: JavaCache,
) {
    /** The value at [key] as a [type], or `null` when missing, expired, undecodable or of another type. */
    @Throws(InterruptedException::class)
    public fun <T : Any> get(key: String, type: Class<T>): T? {
        val now = async.getNow(key, type)
        @Suppress("UNCHECKED_CAST")
        return if (now !== NotNow) now as T? else await(async.get(key, type))
    }

    /**
     * [get] of a key a face keeps and reads again and again (Spring's caches do): an in-memory hit on the entry the
     * key remembers skips the lookup by name. Answers as [get] of its text does.
     */
    @InternalCacheApi
    @Throws(InterruptedException::class)
    public fun <T : Any> get(key: RememberedKey, type: Class<T>): T? {
        val now = async.getNow(key, type)
        @Suppress("UNCHECKED_CAST")
        return if (now !== NotNow) now as T? else await(async.get(key.key, type))
    }

    /** The values at [keys] in order, `null` for each miss. */
    @Throws(InterruptedException::class)
    public fun <T : Any> getMany(keys: List<String>, type: Class<T>): List<T?> = await(async.getMany(keys, type))

    /** Stores [value] at [key] with no expiry; returns whether the write happened. */
    @Throws(InterruptedException::class)
    public fun set(key: String, value: Any?): Boolean = await(async.set(key, value))

    /** Stores [value] at [key] for [ttl] (`null`: no expiry). */
    @Throws(InterruptedException::class)
    public fun set(key: String, value: Any?, ttl: Duration?): Boolean = await(async.set(key, value, ttl))

    /** Stores [value] at [key] for [ttl] if [condition] holds, labelled with [tags]; returns whether it was written. */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun set(
        key: String,
        value: Any?,
        ttl: Duration?,
        condition: SetCondition,
        tags: Collection<String> = emptyList(),
    ): Boolean = await(async.set(key, value, ttl, condition, tags))

    /** Stores every entry with the same [ttl] (`null`: no expiry). */
    @Throws(InterruptedException::class)
    public fun setMany(entries: Map<String, Any?>, ttl: Duration?) {
        await(async.setMany(entries, ttl))
    }

    /**
     * The value at [key] as a [type]; when missing, calls [compute] on this thread, stores its result for [ttl]
     * (`null`: no expiry) and returns it. Not atomic: concurrent callers may each compute (a `cached` builder is).
     */
    @Throws(InterruptedException::class)
    public fun <T : Any> getOrSet(key: String, type: Class<T>, ttl: Duration?, compute: Supplier<T?>): T? =
        javaBlocking { async.getOrSetSuspending(key, type, ttl) { compute.get() } }

    /** Every live key matching [pattern] whose value is a readable [type], with that value, in scan order. */
    @Throws(InterruptedException::class)
    public fun <T : Any> getMatch(pattern: String, type: Class<T>): Map<String, T> =
        await(async.getMatch(pattern, type))

    /** The value as the backend stores it (bytes on a byte backend), or `null`. */
    @Throws(InterruptedException::class)
    public fun getRaw(key: String): Any? = await(async.getRaw(key))

    /** Stores [value] as it is, bypassing the codec. */
    @Throws(InterruptedException::class)
    public fun setRaw(key: String, value: Any, ttl: Duration?): Boolean = await(async.setRaw(key, value, ttl))

    /** Deletes [key]; returns whether it existed. */
    @Throws(InterruptedException::class)
    public fun delete(key: String): Boolean = await(async.delete(key))

    /** Deletes [keys]; returns how many existed. */
    @Throws(InterruptedException::class)
    public fun deleteMany(keys: Collection<String>): Long = await(async.deleteMany(keys))

    /** Deletes every key matching the Redis glob [pattern]. */
    @Throws(InterruptedException::class)
    public fun deleteMatch(pattern: String): Long = await(async.deleteMatch(pattern))

    /** Removes every key labelled with any of [tags]. */
    @Throws(InterruptedException::class)
    public fun deleteTags(tags: Collection<String>) {
        await(async.deleteTags(tags))
    }

    /** Every live key matching [pattern]. */
    @Throws(InterruptedException::class)
    public fun scan(pattern: String): List<String> = await(async.scan(pattern))

    /** Whether [key] exists. */
    @Throws(InterruptedException::class)
    public fun exists(key: String): Boolean = await(async.exists(key))

    /** Sets a new [ttl] on an existing key. */
    @Throws(InterruptedException::class)
    public fun expire(key: String, ttl: Duration): Boolean = await(async.expire(key, ttl))

    /** Missing, persistent, or expiring with the time left. */
    @Throws(InterruptedException::class)
    public fun ttl(key: String): KeyTtl = await(async.ttl(key))

    /** Adds one to the counter at [key]. */
    @Throws(InterruptedException::class)
    public fun incr(key: String): Long = await(async.incr(key))

    /** Adds [by] to the counter at [key]; [ttl] applies when the counter is created. */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun incr(key: String, by: Long, ttl: Duration?, tags: Collection<String> = emptyList()): Long =
        await(async.incr(key, by, ttl, tags))

    /** The stored size of the value in bytes. */
    @Throws(InterruptedException::class)
    public fun sizeOf(key: String): Long = await(async.sizeOf(key))

    /** The number of live keys. */
    @Throws(InterruptedException::class)
    public fun keysCount(): Long = await(async.keysCount())

    /** Whether every backend answers. */
    @Throws(InterruptedException::class)
    public fun ping(): Boolean = await(async.ping())

    /** [io.cashews.Cache.removeExpired]: removes the expired entries memory and disk backends keep until their sweep. */
    @Throws(InterruptedException::class)
    public fun removeExpired(): Long = await(async.removeExpired())

    /** [io.cashews.Cache.ping] with a message: [message] echoed, or `null` when a backend is down. */
    @Throws(InterruptedException::class)
    public fun ping(message: String): String? = await(async.ping(message))

    /** Removes every key of the cache. */
    @Throws(InterruptedException::class)
    public fun clear() {
        await(async.clear())
    }

    /** Takes the lock [key] with [token] for [ttl] if free. */
    @Throws(InterruptedException::class)
    public fun setLock(key: String, token: String, ttl: Duration): Boolean = await(async.setLock(key, token, ttl))

    /** Releases the lock [key] held with [token]. */
    @Throws(InterruptedException::class)
    public fun unlock(key: String, token: String): Boolean = await(async.unlock(key, token))

    /** Whether the lock [key] is held, waiting up to [wait] (`null`: answer at once) for its release. */
    @Throws(InterruptedException::class)
    public fun isLocked(key: String, wait: Duration?): Boolean = await(async.isLocked(key, wait))

    /** Runs [action] on this thread holding the lock [key] for at most [ttl], waiting for it when held elsewhere. */
    @Throws(InterruptedException::class)
    public fun <R> lock(key: String, ttl: Duration, action: Supplier<R>): R =
        javaBlocking { async.cache.lock(key, ttl.toKotlinDuration()) { action.get() } }

    /** The [size]-bit counters at [indexes]. */
    @Throws(InterruptedException::class)
    public fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> =
        await(async.getBits(key, indexes, size))

    /** Adds [by] to the [size]-bit counters at [indexes], saturating. */
    @Throws(InterruptedException::class)
    public fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> =
        await(async.incrBits(key, indexes, size, by))

    /** The sliding-window log primitive. */
    @Throws(InterruptedException::class)
    public fun sliceIncr(key: String, start: Long, end: Long, maxValue: Long, ttl: Duration?): Long =
        await(async.sliceIncr(key, start, end, maxValue, ttl))

    /** Adds [members] to the set at [key]. */
    @Throws(InterruptedException::class)
    public fun setAdd(key: String, members: Collection<String>, ttl: Duration?): Long =
        await(async.setAdd(key, members, ttl))

    /** Removes [members] from the set at [key]. */
    @Throws(InterruptedException::class)
    public fun setRemove(key: String, members: Collection<String>): Long = await(async.setRemove(key, members))

    /** Removes and returns up to [count] members of the set at [key]. */
    @Throws(InterruptedException::class)
    public fun setPop(key: String, count: Int): List<String> = await(async.setPop(key, count))

    /** The members of the set at [key]. */
    @Throws(InterruptedException::class)
    public fun setMembers(key: String): Set<String> = await(async.setMembers(key))

    /** What each strategy did since stats were turned on, by strategy name. */
    @Throws(InterruptedException::class)
    public fun stats(): Map<String, StrategyStats> = await(async.stats())

    /**
     * Runs [block] on this thread in a transaction: the commands of the [BlockingTransaction] it receives, and every
     * command this thread makes meanwhile, are applied when it returns and discarded when it throws
     * ([JavaCache.transaction]).
     */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun <R> transaction(
        mode: TransactionMode = TransactionMode.LOCKED,
        timeout: Duration = Duration.ofSeconds(10),
        lockTtl: Duration = Duration.ofMinutes(1),
        block: Function<BlockingTransaction, R>,
    ): R =
        javaBlocking {
            async.cache.transaction(mode, timeout.toKotlinDuration(), lockTtl.toKotlinDuration()) { transaction ->
                block.apply(BlockingTransaction(async.transactionView(transaction)))
            }
        }

    /** Runs [block] on this thread, then deletes what the key template [key] renders to ([JavaCache.invalidate]). */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun <R> invalidate(
        key: String,
        args: Map<String, Any?> = emptyMap(),
        prefix: String = "",
        block: Supplier<R>,
    ): R = javaBlocking { async.cache.invalidate(key, args, prefix) { block.get() } }

    /** Runs [block] on this thread with every read of this cache replaced by a delete. */
    @Throws(InterruptedException::class)
    public fun <R> invalidateFurther(block: Supplier<R>): R =
        javaBlocking { async.cache.invalidateFurther { block.get() } }

    /** Runs [block] on this thread and reports which values it got from a cache, by which strategy. */
    @Throws(InterruptedException::class)
    public fun <R> detect(block: Supplier<R>): Detected<R> = javaBlocking { async.cache.detect { block.get() } }

    /** Runs [block] on this thread with [commands] (all when empty) disabled on [prefix]'s backend (all: `null`). */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun <R> disabling(
        commands: Collection<Command> = emptySet(),
        prefix: String? = null,
        block: Supplier<R>,
    ): R = javaBlocking { async.cache.disabling(*commands.toTypedArray(), prefix = prefix) { block.get() } }

    /** Runs [block] on this thread with [callback] told of each command of [commands] (all when empty). */
    @JvmOverloads
    @Throws(InterruptedException::class)
    public fun <R> callback(
        commands: Collection<Command> = emptySet(),
        callback: JavaCommandCallback,
        block: Supplier<R>,
    ): R =
        javaBlocking {
            async.cache.callback(*commands.toTypedArray(), callback = JavaCommandCallbackAdapter(callback)) {
                block.get()
            }
        }

    /** Closes the cache's backends. */
    @Throws(InterruptedException::class)
    public fun close() {
        await(async.close())
    }

    override fun toString(): String = "BlockingCache(${async.cache})"
}

/** A running transaction, from blocking Java code ([BlockingCache.transaction]). */
public class BlockingTransaction internal constructor(
    private val transaction: JavaTransaction,
) : BlockingCache(transaction) {
    /** How this transaction keeps others apart. */
    public val mode: TransactionMode get() = transaction.mode

    /** Applies what the transaction has written so far and releases its locks; the transaction goes on. */
    @Throws(InterruptedException::class)
    public fun commit() {
        await(transaction.commit())
    }

    /** Discards what the transaction has written so far and releases its locks; the transaction goes on. */
    @Throws(InterruptedException::class)
    public fun rollback() {
        await(transaction.rollback())
    }
}

/**
 * The result of [future], waiting for it: its own failure is thrown as it is (not wrapped), and an interrupt while
 * waiting cancels the future and throws [InterruptedException].
 */
internal fun <R> await(future: CompletableFuture<R>): R {
    try {
        return future.get()
    } catch (e: ExecutionException) {
        throw e.cause ?: e
    } catch (e: InterruptedException) {
        future.cancel(true)
        throw e
    }
}

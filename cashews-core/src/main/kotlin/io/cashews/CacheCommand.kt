package io.cashews

import io.cashews.internal.load.execute
import io.cashews.internal.route.capability
import kotlinx.coroutines.flow.Flow
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * One command on its way to a [Backend], as [CacheInterceptor]s and [CommandCallback]s see it, typed by its result
 * [R]. Values are in the form the backend stores: the objects themselves on an object backend, encoded [ByteArray]s
 * on a byte backend. Each command's properties are the arguments of the backend method it names. [toString] names
 * the command and its keys, never a value.
 */
public sealed class CacheCommand<R> {
    /** Which command this is. */
    public abstract val kind: Command

    /** The keys (or patterns) this command names, in order; empty for backend-wide commands. */
    public abstract val keys: List<String>

    /** The first of [keys], or `null` for a backend-wide command; read without building the list. */
    public open val firstKey: String? get() = keys.firstOrNull()

    /** This command with every key and pattern passed through [transform]: what key-rewriting interceptors use. */
    public abstract fun withKeys(transform: (String) -> String): CacheCommand<R>

    /** Runs this command on [backend]. */
    internal abstract suspend fun execute(backend: Backend): R

    override fun toString(): String = if (keys.isEmpty()) kind.name else "${kind.name} ${keys.joinToString(" ")}"

    /** [Backend.get]. */
    public class Get(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<Any?>() {
        override val kind: Command get() = Command.GET
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Get = Get(transform(key))

        override suspend fun execute(backend: Backend): Any? = backend.get(key)
    }

    /** [Backend.getMany]. */
    public class GetMany(
        override val keys: List<String>,
    ) : CacheCommand<List<Any?>>() {
        override val kind: Command get() = Command.GET_MANY

        override fun withKeys(transform: (String) -> String): GetMany = GetMany(keys.map(transform))

        override suspend fun execute(backend: Backend): List<Any?> = backend.getMany(keys)
    }

    /** [Backend.set]. */
    public class Set(
        /** The key the command acts on. */
        public val key: String,
        /** The value to store: the encoded bytes on a byte backend. */
        public val value: Any,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration?,
        /** When the value is written. */
        public val condition: SetCondition,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.SET

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration? = ttl?.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Set = Set(transform(key), value, ttl, condition)

        override suspend fun execute(backend: Backend): Boolean = backend.set(key, value, ttl, condition)
    }

    /** [Backend.setMany]. */
    public class SetMany(
        /** The keys and values to store. */
        public val entries: Map<String, Any>,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration?,
    ) : CacheCommand<Unit>() {
        override val kind: Command get() = Command.SET_MANY

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration? = ttl?.toJavaDuration()

        override val keys: List<String> get() = entries.keys.toList()

        override fun withKeys(transform: (String) -> String): SetMany =
            SetMany(entries.mapKeys { (key, _) -> transform(key) }, ttl)

        override suspend fun execute(backend: Backend): Unit = backend.setMany(entries, ttl)
    }

    /** [Backend.delete]. */
    public class Delete(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.DELETE
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Delete = Delete(transform(key))

        override suspend fun execute(backend: Backend): Boolean = backend.delete(key)
    }

    /** [Backend.deleteMany]. */
    public class DeleteMany(
        override val keys: List<String>,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.DELETE_MANY

        override fun withKeys(transform: (String) -> String): DeleteMany = DeleteMany(keys.map(transform))

        override suspend fun execute(backend: Backend): Long = backend.deleteMany(keys)
    }

    /** [Backend.deleteMatch]. */
    public class DeleteMatch(
        /** A Redis glob of keys. */
        public val pattern: String,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.DELETE_MATCH
        override val keys: List<String> get() = listOf(pattern)

        override fun withKeys(transform: (String) -> String): DeleteMatch = DeleteMatch(transform(pattern))

        override suspend fun execute(backend: Backend): Long = backend.deleteMatch(pattern)
    }

    /**
     * [Backend.scan]. The result is the flow of keys, collected after the chain returns; an interceptor that
     * rewrites keys rewrites the flow's keys back ([AddPrefix] does).
     */
    public class Scan(
        /** A Redis glob of keys. */
        public val pattern: String,
    ) : CacheCommand<Flow<String>>() {
        override val kind: Command get() = Command.SCAN
        override val keys: List<String> get() = listOf(pattern)

        override fun withKeys(transform: (String) -> String): Scan = Scan(transform(pattern))

        override suspend fun execute(backend: Backend): Flow<String> = backend.scan(pattern)
    }

    /** [Backend.exists]. */
    public class Exists(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.EXISTS
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Exists = Exists(transform(key))

        override suspend fun execute(backend: Backend): Boolean = backend.exists(key)
    }

    /** [Backend.expire]. */
    public class Expire(
        /** The key the command acts on. */
        public val key: String,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.EXPIRE

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Expire = Expire(transform(key), ttl)

        override suspend fun execute(backend: Backend): Boolean = backend.expire(key, ttl)
    }

    /** [Backend.ttl]. */
    public class GetTtl(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<KeyTtl>() {
        override val kind: Command get() = Command.TTL
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): GetTtl = GetTtl(transform(key))

        override suspend fun execute(backend: Backend): KeyTtl = backend.ttl(key)
    }

    /** [Backend.incr]. */
    public class Incr(
        /** The key the command acts on. */
        public val key: String,
        /** What is added. */
        public val by: Long,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration?,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.INCR

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration? = ttl?.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Incr = Incr(transform(key), by, ttl)

        override suspend fun execute(backend: Backend): Long = backend.incr(key, by, ttl)
    }

    /** [Backend.sizeOf]. */
    public class SizeOf(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.SIZE_OF
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SizeOf = SizeOf(transform(key))

        override suspend fun execute(backend: Backend): Long = backend.sizeOf(key)
    }

    /** [Backend.keysCount]. */
    public object KeysCount : CacheCommand<Long>() {
        override val kind: Command get() = Command.KEYS_COUNT
        override val keys: List<String> get() = emptyList()

        override fun withKeys(transform: (String) -> String): KeysCount = this

        override suspend fun execute(backend: Backend): Long = backend.keysCount()
    }

    /** [Backend.ping]. */
    public object Ping : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.PING
        override val keys: List<String> get() = emptyList()

        override fun withKeys(transform: (String) -> String): Ping = this

        override suspend fun execute(backend: Backend): Boolean = backend.ping()
    }

    /** [Backend.clear]. */
    public object Clear : CacheCommand<Unit>() {
        override val kind: Command get() = Command.CLEAR
        override val keys: List<String> get() = emptyList()

        override fun withKeys(transform: (String) -> String): Clear = this

        override suspend fun execute(backend: Backend): Unit = backend.clear()
    }

    /** [LockBackend.setLock]. */
    public class SetLock(
        /** The key the command acts on. */
        public val key: String,
        /** The lock holder's token. */
        public val token: String,
        /** How long the lock is held. */
        public val ttl: Duration,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.SET_LOCK

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SetLock = SetLock(transform(key), token, ttl)

        override suspend fun execute(backend: Backend): Boolean =
            backend
                .capability<LockBackend>(kind.name)
                .setLock(key, token, ttl)
    }

    /** [LockBackend.unlock]. */
    public class Unlock(
        /** The key the command acts on. */
        public val key: String,
        /** The lock holder's token. */
        public val token: String,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.UNLOCK
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): Unlock = Unlock(transform(key), token)

        override suspend fun execute(backend: Backend): Boolean =
            backend
                .capability<LockBackend>(kind.name)
                .unlock(key, token)
    }

    /** [LockBackend.renewLock]. */
    public class RenewLock(
        /** The key the command acts on. */
        public val key: String,
        /** The lock holder's token. */
        public val token: String,
        /** How long the lock is held. */
        public val ttl: Duration,
    ) : CacheCommand<Boolean>() {
        override val kind: Command get() = Command.RENEW_LOCK

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration = ttl.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): RenewLock = RenewLock(transform(key), token, ttl)

        override suspend fun execute(backend: Backend): Boolean =
            backend
                .capability<LockBackend>(kind.name)
                .renewLock(key, token, ttl)
    }

    /** [BitsBackend.getBits]. */
    public class GetBits(
        /** The key the command acts on. */
        public val key: String,
        /** The counters, by index. */
        public val indexes: List<Int>,
        /** The width of each counter, in bits. */
        public val size: Int,
    ) : CacheCommand<List<Long>>() {
        override val kind: Command get() = Command.GET_BITS
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): GetBits = GetBits(transform(key), indexes, size)

        override suspend fun execute(backend: Backend): List<Long> =
            backend.capability<BitsBackend>(kind.name).getBits(key, indexes, size)
    }

    /** [BitsBackend.incrBits]. */
    public class IncrBits(
        /** The key the command acts on. */
        public val key: String,
        /** The counters, by index. */
        public val indexes: List<Int>,
        /** The width of each counter, in bits. */
        public val size: Int,
        /** What is added. */
        public val by: Long,
    ) : CacheCommand<List<Long>>() {
        override val kind: Command get() = Command.INCR_BITS
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): IncrBits = IncrBits(transform(key), indexes, size, by)

        override suspend fun execute(backend: Backend): List<Long> =
            backend.capability<BitsBackend>(kind.name).incrBits(key, indexes, size, by)
    }

    /** [SlidingWindowBackend.sliceIncr]. */
    public class SliceIncr(
        /** The key the command acts on. */
        public val key: String,
        /** The start of the window: older entries are dropped. */
        public val start: Long,
        /** The time of this call: the entry recorded. */
        public val end: Long,
        /** How many entries the window admits. */
        public val maxValue: Long,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration?,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.SLICE_INCR

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration? = ttl?.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SliceIncr =
            SliceIncr(transform(key), start, end, maxValue, ttl)

        override suspend fun execute(backend: Backend): Long =
            backend.capability<SlidingWindowBackend>(kind.name).sliceIncr(key, start, end, maxValue, ttl)
    }

    /** [TokenBucketBackend.takeTokens]. */
    public class TakeTokens(
        /** The key the command acts on. */
        public val key: String,
        /** How often the bucket gains a token. */
        public val interval: Duration,
        /** How many tokens the bucket holds at most. */
        public val burst: Long,
        /** How many tokens the call takes. */
        public val cost: Long,
    ) : CacheCommand<TokenGrant>() {
        override val kind: Command get() = Command.TAKE_TOKENS

        /** [interval] for Java, where the property's getter has a mangled name. */
        @JvmName("getInterval")
        public fun intervalJavaDuration(): java.time.Duration = interval.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): TakeTokens =
            TakeTokens(
                transform(key),
                interval,
                burst,
                cost,
            )

        override suspend fun execute(backend: Backend): TokenGrant =
            backend.capability<TokenBucketBackend>(kind.name).takeTokens(key, interval, burst, cost)
    }

    /** [SetBackend.setAdd]. */
    public class SetAdd(
        /** The key the command acts on. */
        public val key: String,
        /** The set members. */
        public val members: Collection<String>,
        /** The TTL to set; `null` for none. */
        public val ttl: Duration?,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.SET_ADD

        /** [ttl] for Java, where the property's getter has a mangled name. */
        @JvmName("getTtl")
        public fun ttlJavaDuration(): java.time.Duration? = ttl?.toJavaDuration()

        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SetAdd = SetAdd(transform(key), members, ttl)

        override suspend fun execute(backend: Backend): Long =
            backend
                .capability<SetBackend>(kind.name)
                .setAdd(key, members, ttl)
    }

    /** [SetBackend.setRemove]. */
    public class SetRemove(
        /** The key the command acts on. */
        public val key: String,
        /** The set members. */
        public val members: Collection<String>,
    ) : CacheCommand<Long>() {
        override val kind: Command get() = Command.SET_REMOVE
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SetRemove = SetRemove(transform(key), members)

        override suspend fun execute(backend: Backend): Long =
            backend
                .capability<SetBackend>(kind.name)
                .setRemove(key, members)
    }

    /** [SetBackend.setPop]. */
    public class SetPop(
        /** The key the command acts on. */
        public val key: String,
        /** How many members to take at most. */
        public val count: Int,
    ) : CacheCommand<List<String>>() {
        override val kind: Command get() = Command.SET_POP
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SetPop = SetPop(transform(key), count)

        override suspend fun execute(backend: Backend): List<String> =
            backend
                .capability<SetBackend>(kind.name)
                .setPop(key, count)
    }

    /** [SetBackend.setMembers]. */
    public class SetMembers(
        /** The key the command acts on. */
        public val key: String,
    ) : CacheCommand<kotlin.collections.Set<String>>() {
        override val kind: Command get() = Command.SET_MEMBERS
        override val keys: List<String> get() = listOf(key)
        override val firstKey: String get() = key

        override fun withKeys(transform: (String) -> String): SetMembers = SetMembers(transform(key))

        override suspend fun execute(backend: Backend): kotlin.collections.Set<String> =
            backend.capability<SetBackend>(kind.name).setMembers(key)
    }
}

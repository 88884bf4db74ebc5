package io.cashews

import java.util.concurrent.atomic.AtomicInteger

/** A memory backend that counts every command that reaches it: the proof that something did not. */
class CountingBackend(
    private val delegate: MemoryBackend = MemoryBackend(),
) : Backend by delegate,
    LockBackend by delegate,
    BitsBackend by delegate,
    SlidingWindowBackend by delegate,
    SetBackend by delegate {
    val calls = AtomicInteger()

    override suspend fun get(key: String): Any? {
        calls.incrementAndGet()
        return delegate.get(key)
    }

    override suspend fun getMany(keys: List<String>): List<Any?> {
        calls.incrementAndGet()
        return delegate.getMany(keys)
    }

    override suspend fun set(key: String, value: Any, ttl: kotlin.time.Duration?, condition: SetCondition): Boolean {
        calls.incrementAndGet()
        return delegate.set(key, value, ttl, condition)
    }

    override suspend fun incr(key: String, by: Long, ttl: kotlin.time.Duration?): Long {
        calls.incrementAndGet()
        return delegate.incr(key, by, ttl)
    }

    override suspend fun delete(key: String): Boolean {
        calls.incrementAndGet()
        return delegate.delete(key)
    }

    override suspend fun exists(key: String): Boolean {
        calls.incrementAndGet()
        return delegate.exists(key)
    }

    override suspend fun getBits(key: String, indexes: List<Int>, size: Int): List<Long> {
        calls.incrementAndGet()
        return delegate.getBits(key, indexes, size)
    }

    override suspend fun incrBits(key: String, indexes: List<Int>, size: Int, by: Long): List<Long> {
        calls.incrementAndGet()
        return delegate.incrBits(key, indexes, size, by)
    }

    override suspend fun setLock(key: String, token: String, ttl: kotlin.time.Duration): Boolean {
        calls.incrementAndGet()
        return delegate.setLock(key, token, ttl)
    }

    override fun toString(): String = "CountingBackend"
}

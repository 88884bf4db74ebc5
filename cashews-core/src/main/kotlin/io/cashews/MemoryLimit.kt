package io.cashews

import io.cashews.internal.tags.Tagged
import io.cashews.internal.value.NullValue

/**
 * Skips writes of values smaller than [minBytes] or larger than [maxBytes]: such a [CacheCommand.Set] answers
 * `false` without reaching the backend, and [CacheCommand.SetMany] writes only the entries within bounds (nothing
 * at all when none is). A strategy then returns its result without caching it.
 *
 * Sizes are encoded bytes, as [sizeOf] measures them. The default measures what byte backends store (the encoded
 * [ByteArray]) exactly; on an object backend it measures strings by their UTF-8 bytes, numbers and booleans by
 * their decimal text, and cannot size other objects (they pass): give a [sizeOf] of your own there.
 */
public class MemoryLimit
    @JvmOverloads
    constructor(
        /** Values smaller than this many encoded bytes are not stored. */
        public val minBytes: Long = 0,
        /** Values larger than this many encoded bytes are not stored. */
        public val maxBytes: Long = Long.MAX_VALUE,
        private val sizeOf: (Any) -> Long = ::encodedSize,
    ) : CacheInterceptor {
        init {
            require(minBytes >= 0) { "minBytes must not be negative, was $minBytes" }
            require(maxBytes >= minBytes) { "maxBytes ($maxBytes) must not be below minBytes ($minBytes)" }
        }

        override suspend fun <R> intercept(chain: CacheInterceptor.Chain<R>): R =
            when (val command = chain.command) {
                is CacheCommand.Set -> {
                    @Suppress("UNCHECKED_CAST")
                    if (fits(command.value)) chain.proceed(command) else false as R
                }

                is CacheCommand.SetMany -> {
                    val kept = command.entries.filterValues(::fits)
                    @Suppress("UNCHECKED_CAST")
                    when {
                        kept.size == command.entries.size -> chain.proceed(command)
                        kept.isEmpty() -> Unit as R
                        else -> chain.proceed(CacheCommand.SetMany(kept, command.ttl) as CacheCommand<R>)
                    }
                }

                else -> {
                    chain.proceed(command)
                }
            }

        private fun fits(value: Any): Boolean {
            val size = sizeOf(value)
            return size < 0 || size in minBytes..maxBytes
        }

        override fun toString(): String = "MemoryLimit($minBytes..$maxBytes bytes)"

        internal companion object {
            /** The stored size of [value] in bytes, or `-1` when it cannot be told without encoding it. */
            fun encodedSize(value: Any): Long =
                when (value) {
                    is ByteArray -> value.size.toLong()
                    is Tagged -> value.value?.let(::encodedSize) ?: 0
                    NullValue -> 0
                    is CharSequence -> utf8Length(value)
                    is Number, is Boolean -> value.toString().length.toLong()
                    else -> -1
                }

            private fun utf8Length(text: CharSequence): Long {
                var bytes = 0L
                var i = 0
                while (i < text.length) {
                    val c = text[i]
                    bytes +=
                        when {
                            c.code < 0x80 -> {
                                1
                            }

                            c.code < 0x800 -> {
                                2
                            }

                            Character.isHighSurrogate(c) && i + 1 < text.length -> {
                                i++
                                4
                            }

                            else -> {
                                3
                            }
                        }
                    i++
                }
                return bytes
            }
        }
    }

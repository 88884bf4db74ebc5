package io.cashews

/**
 * Unsigned counters of `size` bits packed in a byte array exactly as Redis `BITFIELD u<size> #<index>` packs them:
 * counter `i` occupies bits `[i*size, (i+1)*size)`, bit 0 being the most significant bit of byte 0. For backends
 * other than Redis, so that bit counters read alike on every backend ([BitsBackend]).
 */
public object BitFieldCounters {
    /** Counter [index] of [size] bits in [bytes]; bits past the end (or of `null`) read as zero. */
    public fun read(bytes: ByteArray?, index: Int, size: Int): Long {
        var value = 0L
        val first = index.toLong() * size
        for (bit in first until first + size) value = (value shl 1) or bitAt(bytes, bit)
        return value
    }

    /** A copy of [bytes], grown as needed, with counter [index] set to [value]. */
    public fun write(bytes: ByteArray, index: Int, size: Int, value: Long): ByteArray {
        val first = index.toLong() * size
        val needed = ((first + size + 7) / 8).toInt()
        val out = if (bytes.size >= needed) bytes else bytes.copyOf(needed)
        for (i in 0 until size) {
            val bit = first + i
            val set = (value ushr (size - 1 - i)) and 1L == 1L
            val byteIndex = (bit / 8).toInt()
            val mask = 0x80 ushr (bit % 8).toInt()
            out[byteIndex] =
                (if (set) out[byteIndex].toInt() or mask else out[byteIndex].toInt() and mask.inv()).toByte()
        }
        return out
    }

    /** [current] plus [by], held within `0..2^size - 1` (Redis `OVERFLOW SAT`). */
    public fun saturatingAdd(current: Long, by: Long, size: Int): Long {
        val max = if (size == 63) Long.MAX_VALUE else (1L shl size) - 1
        val sum = current + by
        return when {
            by > 0 && (sum < current || sum > max) -> max
            sum < 0 -> 0
            else -> sum
        }
    }

    private fun bitAt(bytes: ByteArray?, bit: Long): Long {
        val byteIndex = (bit / 8).toInt()
        if (bytes == null || byteIndex >= bytes.size) return 0
        return ((bytes[byteIndex].toInt() ushr (7 - (bit % 8).toInt())) and 1).toLong()
    }
}

package io.cashews

/**
 * A value a [LocalCopyBackend] holds in this process: the bytes the backend stores, or [MISSING] for a key known to
 * be absent. The cache decodes a copy once and hands the decoded value to every later reader of the same type, so
 * a local hit costs what an in-memory hit costs. Like values of the in-memory backend, that decoded value is shared
 * by its readers: treat cached values as immutable.
 */
public class LocalCopy(
    /** The stored bytes, or `null` for [MISSING]. */
    public val stored: ByteArray?,
) {
    /** The last decoding, with the type factory it was made for (the identity check is the fast path). */
    @Volatile
    private var decoded: Decoded? = null

    private class Decoded(
        val typeFactory: () -> ValueType,
        val type: ValueType,
        val value: Any?,
    )

    /**
     * The value last decoded for [type], or [UNDECODED]. Every call site's type factory is its own object, so a site
     * that read this copy before finds its decoding by identity, without building a type.
     */
    internal fun decodedFor(type: () -> ValueType): Any? {
        val last = decoded ?: return UNDECODED
        if (last.typeFactory === type) return last.value
        val wanted = type()
        if (last.type != wanted) return UNDECODED
        decoded = Decoded(type, wanted, last.value)
        return last.value
    }

    /** Keeps [value], decoded for [type], for the readers that follow. */
    internal fun remember(type: () -> ValueType, value: Any?) {
        decoded = Decoded(type, type(), value)
    }

    override fun toString(): String = if (stored == null) "LocalCopy(missing)" else "LocalCopy(${stored.size} bytes)"

    public companion object {
        /** The copy of a key known to be absent from the backend. */
        @JvmField
        public val MISSING: LocalCopy = LocalCopy(null)

        /** What [decodedFor] answers when the copy has not been decoded for the type asked. */
        internal val UNDECODED = Any()
    }
}

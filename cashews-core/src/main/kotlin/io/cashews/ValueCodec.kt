package io.cashews

import io.cashews.internal.value.CodecSettings

/**
 * Turns values into bytes and back for backends that store bytes (Redis, disk, memory with a `secret` or a codec).
 *
 * The cache wraps what a codec returns in an envelope that records the codec's [name] and the [fingerprint] of the
 * declared type, adds optional compression and an optional HMAC signature. A codec only has to be a faithful,
 * thread-safe encoder.
 *
 * Bundled: [KotlinxCodec.Json] (the default: readable by other languages), [KotlinxCodec.Cbor],
 * [KotlinxCodec.ProtoBuf] and [JavaSerializationCodec] for plain `java.io.Serializable` classes. Pass your own (for
 * example a Jackson one) to [Cache.setup].
 */
public interface ValueCodec {
    /** A short, stable name written into every stored value (`json`, `cbor`, …); letters and digits only. */
    public val name: String

    /** Encodes [value] (possibly `null`) declared as [type]; fails with [CodecError] when it cannot. */
    public fun encode(value: Any?, type: ValueType): ByteArray

    /** Decodes bytes written by [encode] for the same [type]; may throw on bytes it does not understand. */
    public fun decode(bytes: ByteArray, type: ValueType): Any?

    /**
     * A short string that changes whenever the stored shape of [type] changes (fields added, renamed or retyped). A
     * value whose fingerprint differs from the reader's reads as a miss instead of as a wrong or broken object.
     */
    public fun fingerprint(type: ValueType): String

    public companion object {
        /**
         * The codec a setup URL names with `codec=` (`json`, `cbor`, `protobuf`, `java`, or one an artifact on the
         * classpath registers, such as `jackson`), for wrapping or configuring it in code.
         *
         * @throws SetupError for a name no codec answers to (naming the artifact that brings it, when known).
         */
        @JvmStatic
        public fun named(name: String): ValueCodec = CodecSettings.named(name)
    }
}

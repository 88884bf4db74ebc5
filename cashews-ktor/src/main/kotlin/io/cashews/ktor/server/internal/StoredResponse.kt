package io.cashews.ktor.server.internal

import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.descriptors.PrimitiveKind
import kotlinx.serialization.descriptors.PrimitiveSerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder
import java.util.Base64

/**
 * A response as it is cached: status, content type, the handler's headers as name-value pairs (any value, in order),
 * the body, its strong ETag, and when it was stored, stops being fresh and expires (epoch milliseconds).
 */
@Serializable
internal class StoredResponse(
    val status: Int,
    val contentType: String?,
    val headers: List<List<String>>,
    @Serializable(with = Base64Bytes::class) val body: ByteArray,
    val etag: String,
    val storedAt: Long,
    /** Until when the strategy serves it as fresh; at most [expiresAt]. */
    val freshUntil: Long,
    val expiresAt: Long,
)

/** Bytes as base64 text: a body stays compact in a JSON envelope. */
internal object Base64Bytes : KSerializer<ByteArray> {
    override val descriptor = PrimitiveSerialDescriptor("io.cashews.ktor.Base64Bytes", PrimitiveKind.STRING)

    override fun serialize(encoder: Encoder, value: ByteArray) =
        encoder.encodeString(
            Base64.getEncoder().encodeToString(value),
        )

    override fun deserialize(decoder: Decoder): ByteArray = Base64.getDecoder().decode(decoder.decodeString())
}

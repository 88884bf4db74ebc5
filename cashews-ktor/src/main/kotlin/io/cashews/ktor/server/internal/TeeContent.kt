package io.cashews.ktor.server.internal

import io.ktor.http.ContentType
import io.ktor.http.Headers
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.readAvailable
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import java.io.ByteArrayOutputStream

/**
 * A streamed body ([OutgoingContent.WriteChannelContent]: `respondBytesWriter`, `respondOutputStream`) sent to the
 * client as it is written and copied on the way; [written] gets the whole body once the writer has finished, and
 * nothing when the writer fails, so a broken stream is never cached.
 */
internal class TeeContent(
    private val original: WriteChannelContent,
    private val written: suspend (ByteArray) -> Unit,
) : OutgoingContent.WriteChannelContent() {
    override val status: HttpStatusCode? get() = original.status
    override val headers: Headers get() = original.headers
    override val contentType: ContentType? get() = original.contentType
    override val contentLength: Long? get() = original.contentLength

    override suspend fun writeTo(channel: ByteWriteChannel) {
        val copy = ByteArrayOutputStream()
        coroutineScope {
            val pipe = ByteChannel()
            launch {
                try {
                    original.writeTo(pipe)
                    pipe.flushAndClose()
                } catch (e: Throwable) {
                    pipe.cancel(e)
                    throw e
                }
            }
            val buffer = ByteArray(BUFFER)
            while (true) {
                val read = pipe.readAvailable(buffer)
                if (read == -1) break
                channel.writeFully(buffer, 0, read)
                channel.flush()
                copy.write(buffer, 0, read)
            }
        }
        written(copy.toByteArray())
    }

    private companion object {
        const val BUFFER = 8192
    }
}

package io.cashews.redis

import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import kotlin.time.Duration

/**
 * Whether a plaintext Redis answers at [host]:[port]: the diagnosis of a `rediss://` URL whose TLS handshake never
 * ends. A plaintext server reads the handshake as the start of a command and waits for the rest, so the client sees
 * only a timeout; sent `PING`, it answers in RESP (`+PONG`, or an error such as `-NOAUTH`), where a TLS server
 * answers with an alert or closes.
 */
internal fun answersPlaintextRedis(host: String, port: Int, timeout: Duration): Boolean =
    try {
        Socket().use { socket ->
            val millis = timeout.inWholeMilliseconds.coerceIn(1, Int.MAX_VALUE.toLong()).toInt()
            socket.connect(InetSocketAddress(host, port), millis)
            socket.soTimeout = millis
            socket.getOutputStream().write("PING\r\n".toByteArray(Charsets.US_ASCII))
            val first = socket.getInputStream().read()
            first == '+'.code || first == '-'.code
        }
    } catch (e: IOException) {
        false
    }

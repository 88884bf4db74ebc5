package io.cashews.test

import java.io.BufferedInputStream
import java.io.IOException
import java.io.InputStream
import java.net.InetSocketAddress
import java.net.Socket

/** The smallest RESP2 client that can set up a cluster: one command at a time, replies as strings and lists. */
internal class RespClient(
    port: Int,
) : AutoCloseable {
    private val socket = Socket().apply { connect(InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS) }
    private val input = BufferedInputStream(socket.getInputStream())

    init {
        socket.soTimeout = TIMEOUT_MILLIS
    }

    /** Sends [args] as one command and returns the reply: a String, a Long, a List, or `null`. */
    fun call(vararg args: String): Any? {
        val out = StringBuilder("*${args.size}\r\n")
        for (arg in args) {
            out
                .append("$")
                .append(arg.toByteArray().size)
                .append("\r\n")
                .append(arg)
                .append("\r\n")
        }
        socket.getOutputStream().write(out.toString().toByteArray())
        return read(input)
    }

    override fun close() {
        socket.close()
    }

    private fun read(stream: InputStream): Any? {
        val line = readLine(stream)
        return when (line[0]) {
            '+' -> {
                line.substring(1)
            }

            '-' -> {
                throw IOException("redis error: ${line.substring(1)}")
            }

            ':' -> {
                line.substring(1).toLong()
            }

            '$' -> {
                val length = line.substring(1).toInt()
                if (length < 0) {
                    null
                } else {
                    val bytes = stream.readNBytes(length)
                    readLine(stream)
                    String(bytes)
                }
            }

            '*' -> {
                List(line.substring(1).toInt().coerceAtLeast(0)) { read(stream) }
            }

            else -> {
                throw IOException("unexpected RESP reply '$line'")
            }
        }
    }

    private fun readLine(stream: InputStream): String {
        val line = StringBuilder()
        while (true) {
            val c = stream.read()
            if (c < 0) throw IOException("connection closed")
            if (c == '\r'.code) {
                stream.read() // '\n'
                return line.toString()
            }
            line.append(c.toChar())
        }
    }

    private companion object {
        const val TIMEOUT_MILLIS = 5_000
    }
}

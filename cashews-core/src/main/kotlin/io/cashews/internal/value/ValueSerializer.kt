package io.cashews.internal.value

import io.cashews.Compression
import io.cashews.DigestMod
import io.cashews.KotlinxCodec
import io.cashews.UnsecureDataError
import io.cashews.ValueCodec
import io.cashews.ValueType
import io.cashews.internal.tags.TagStamp
import io.cashews.internal.tags.Tagged
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer
import java.security.MessageDigest
import java.util.concurrent.ConcurrentHashMap
import java.util.zip.DeflaterOutputStream
import java.util.zip.GZIPInputStream
import java.util.zip.GZIPOutputStream
import java.util.zip.InflaterInputStream
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlin.time.Duration

/**
 * Encodes values to the stored byte form and back, for backends that store bytes.
 *
 * Stored forms:
 * - integers (`Int`, `Long`, `Short`, `Byte`): plain decimal ASCII, unsigned, so counters stay readable and `INCR`-able;
 * - everything else: `cw1|<codec>|<fingerprint>|<compression>|<payload>`;
 * - a tagged value: the same behind `cwt|<length>|<stamp as JSON>`, the tags and their versions ([TagStamp]);
 * - and when a secret is set, the whole of it prefixed by `<digestmod>:<expiry>:<hex hmac>_`, the HMAC taken over the
 *   key, the expiry and the unsigned form, so tags are signed with the value. The expiry is the epoch millisecond
 *   the value was written to expire at (`0`: never), checked against [clock] when read: a signed value replayed
 *   after its expiry is refused, as is one copied to another key.
 *
 * Reading never returns a wrong value: anything that does not parse, was written by another codec, has another
 * fingerprint, or lacks a required signature is a [Miss]. A signature that does not match raises
 * [UnsecureDataError], or is a [Miss] when [tamperedIsMiss].
 */
internal class ValueSerializer(
    private val codec: ValueCodec,
    private val compression: Compression,
    private val secret: ByteArray?,
    private val digestMod: DigestMod,
    private val checkSchema: Boolean,
    private val tamperedIsMiss: Boolean,
    /** Epoch milliseconds, advancing with the cache's time source: what signed expiries are checked against. */
    private val clock: () -> Long,
) {
    private val fingerprints = ConcurrentHashMap<ValueType, String>()
    private val macs = ConcurrentHashMap<DigestMod, Mac>()

    /**
     * The stored form of [value] at [key], written to live for [ttl] (`null`: no expiry), with [stamp] when tagged
     * (integers stay plain: see [TagVersions]).
     */
    fun encode(key: String, value: Any?, type: () -> ValueType, ttl: Duration?, stamp: TagStamp? = null): ByteArray {
        if (isInteger(value)) return value.toString().encodeToByteArray()
        val untagged = if (value is StoredFailure) failureBody(value) else valueBody(value, type())
        val body = if (stamp == null) untagged else stampHeader(stamp) + untagged
        return signed(key, body, ttl)
    }

    private fun signed(key: String, body: ByteArray, ttl: Duration?): ByteArray {
        if (secret == null) return body
        val expiry = if (ttl == null) NO_EXPIRY else clock() + ttl.inWholeMilliseconds.coerceAtLeast(1)
        return "${digestMod.id}:$expiry:${sign(digestMod, key, expiry, body)}_".encodeToByteArray() + body
    }

    private fun valueBody(value: Any?, type: ValueType): ByteArray {
        val header = "$MAGIC|${codec.name}|${fingerprint(type)}|${compression.id}|".encodeToByteArray()
        return header + compress(codec.encode(value, type))
    }

    // A cached exception is stored the same way whatever the codec: its class name and message as JSON.
    private fun failureBody(failure: StoredFailure): ByteArray =
        "$MAGIC|$FAILURE|-|none|".encodeToByteArray() +
            metaJson.encodeToString(StoredFailure.serializer(), failure).encodeToByteArray()

    /** The stored form of the tags kept beside a counter ([TagVersions.counterStampKey]): a tagged empty body. */
    fun encodeStamp(key: String, stamp: TagStamp, ttl: Duration?): ByteArray {
        val body = stampHeader(stamp) + "$MAGIC|$STAMP|-|none|".encodeToByteArray()
        return signed(key, body, ttl)
    }

    /**
     * The bytes stored at [from] as they must be stored at [to] to read the same there, tags included: signed again
     * for [to] and [ttl] once their signature for [from] is verified. `null` when they do not verify.
     */
    fun rekeyed(from: String, to: String, stored: ByteArray, ttl: Duration?): ByteArray? {
        if (secret == null || parseDecimal(stored) != null) return stored
        return signed(to, verified(from, stored) ?: return null, ttl)
    }

    /** The value stored at [key]: the value itself, a [Tagged] value, or [Miss]. */
    fun decode(key: String, stored: Any, type: () -> ValueType): Any? {
        if (stored !is ByteArray) return stored // counters and native structures pass through
        val integer = parseDecimal(stored)
        if (integer != null) return integerAs(integer, type().javaClass)
        val body = (if (secret != null) verified(key, stored) else stored) ?: return Miss
        return try {
            val tagged = splitStamp(body)
            if (tagged == null) {
                decodeBody(body, 0, type())
            } else {
                val value = decodeBody(body, tagged.second, type())
                if (value === Miss) Miss else Tagged(value, tagged.first)
            }
        } catch (e: Exception) {
            // Garbage, truncation, a class that changed shape, a codec that rejects the bytes: all are misses.
            Miss
        }
    }

    /**
     * The tags of the value stored at [key] without decoding it, or `null` when it has none or cannot be read
     * (a value that cannot be read is for the full decode to report).
     */
    fun stampOf(key: String, stored: ByteArray): TagStamp? {
        if (parseDecimal(stored) != null) return null
        val body =
            (
                if (secret == null) {
                    stored
                } else {
                    try {
                        verified(key, stored)
                    } catch (e: UnsecureDataError) {
                        null
                    }
                }
            ) ?: return null
        return try {
            splitStamp(body)?.first
        } catch (e: Exception) {
            null
        }
    }

    private fun stampHeader(stamp: TagStamp): ByteArray {
        val json =
            metaJson
                .encodeToString(StampRecord.serializer(), StampRecord(stamp.tags.asList(), stamp.versions.asList()))
                .encodeToByteArray()
        return "$TAGGED|${json.size}|".encodeToByteArray() + json
    }

    /** The stamp of a tagged body and where its untagged body starts, or `null` for an untagged body. */
    private fun splitStamp(body: ByteArray): Pair<TagStamp, Int>? {
        if (!body.startsWith(TAGGED_PREFIX)) return null
        val lengthEnd = body.indexOf('|'.code.toByte(), TAGGED_PREFIX.size)
        require(lengthEnd > 0 && lengthEnd - TAGGED_PREFIX.size <= MAX_FIELD) { "malformed tag header" }
        val length = String(body, TAGGED_PREFIX.size, lengthEnd - TAGGED_PREFIX.size, Charsets.US_ASCII).toInt()
        val jsonStart = lengthEnd + 1
        require(length >= 0 && jsonStart + length <= body.size) { "truncated tag header" }
        val record =
            metaJson.decodeFromString(StampRecord.serializer(), String(body, jsonStart, length, Charsets.UTF_8))
        require(record.t.size == record.v.size) { "tag header has ${record.t.size} tags for ${record.v.size} versions" }
        return TagStamp(record.t.toTypedArray(), record.v.toLongArray()) to jsonStart + length
    }

    private fun decodeBody(body: ByteArray, from: Int, type: ValueType): Any? {
        // Four ASCII header fields, each ending in '|', compared where they lie: a hit makes no String of them.
        val magicEnd = fieldEnd(body, from)
        if (magicEnd < 0) return Miss
        val codecEnd = fieldEnd(body, magicEnd + 1)
        if (codecEnd < 0) return Miss
        val printEnd = fieldEnd(body, codecEnd + 1)
        if (printEnd < 0) return Miss
        val compressionEnd = fieldEnd(body, printEnd + 1)
        if (compressionEnd < 0 || !body.asciiEquals(from, magicEnd, MAGIC)) return Miss
        val start = compressionEnd + 1
        if (body.asciiEquals(magicEnd + 1, codecEnd, FAILURE)) {
            return metaJson.decodeFromString(
                StoredFailure.serializer(),
                body.copyOfRange(start, body.size).decodeToString(),
            )
        }
        if (!body.asciiEquals(magicEnd + 1, codecEnd, codec.name)) return Miss
        if (checkSchema && !body.asciiEquals(codecEnd + 1, printEnd, fingerprint(type))) return Miss
        val storedCompression = compressionOf(body, printEnd + 1, compressionEnd) ?: return Miss
        if (storedCompression == Compression.NONE && codec is KotlinxCodec) return codec.decodeFrom(body, start, type)
        return codec.decode(decompress(storedCompression, body.copyOfRange(start, body.size)), type)
    }

    /** Where the header field starting at [start] ends (its '|'), or -1 when it does not, within [MAX_FIELD]. */
    private fun fieldEnd(body: ByteArray, start: Int): Int {
        val bar = body.indexOf('|'.code.toByte(), start)
        return if (bar < 0 || bar - start > MAX_FIELD) -1 else bar
    }

    /** The compression the field `body[start, end)` names: the ids we write compared in place, others by name. */
    private fun compressionOf(body: ByteArray, start: Int, end: Int): Compression? {
        for (compression in Compression.entries) if (body.asciiEquals(start, end, compression.id)) return compression
        return Compression.byName(String(body, start, end - start, Charsets.US_ASCII))
    }

    private fun verified(key: String, stored: ByteArray): ByteArray? {
        val underscore = stored.indexOf('_'.code.toByte(), 0)
        if (underscore < 0 || underscore > MAX_SIGNATURE) return null // unsigned where a signature is required: a miss
        val parts = String(stored, 0, underscore, Charsets.US_ASCII).split(':')
        val modName = parts[0]
        val mod = DigestMod.byName(modName)
        // An older form without an expiry cannot be bound to one: a miss, like an unsigned value.
        if (mod != null && parts.size != SIGNATURE_PARTS) return null
        val expiry = parts.getOrNull(1)?.toLongOrNull()
        val given = parts.last()
        val body = stored.copyOfRange(underscore + 1, stored.size)
        val expected = if (mod != null && expiry != null) sign(mod, key, expiry, body) else null
        if (expected != null && MessageDigest.isEqual(expected.toByteArray(), given.toByteArray())) {
            // Signed as it is, but past the expiry it was written with: a replay of an old value, or a key whose TTL
            // was extended by expire(); a miss either way.
            return if (expiry == NO_EXPIRY || clock() < expiry!!) body else null
        }
        if (tamperedIsMiss) return null
        throw UnsecureDataError(
            if (mod == null) {
                "value at key '$key' is signed with an unknown digest '$modName'"
            } else {
                "value at key '$key' has an invalid signature: it was changed, copied from another key, or signed " +
                    "with another secret"
            },
        )
    }

    private fun sign(mod: DigestMod, key: String, expiry: Long, body: ByteArray): String {
        val prototype =
            macs.getOrPut(
                mod,
            ) { Mac.getInstance(mod.jcaName).apply { init(SecretKeySpec(secret, mod.jcaName)) } }
        val mac = prototype.clone() as Mac
        // The key's length, the key, the expiry in 8 bytes, then the body: no two different (key, expiry, body)
        // triples feed the MAC the same bytes.
        val keyBytes = key.encodeToByteArray()
        mac.update(ByteBuffer.allocate(Int.SIZE_BYTES).putInt(keyBytes.size).array())
        mac.update(keyBytes)
        mac.update(ByteBuffer.allocate(Long.SIZE_BYTES).putLong(expiry).array())
        return mac.doFinal(body).toHex()
    }

    private fun fingerprint(type: ValueType): String = fingerprints.getOrPut(type) { fnv64Hex(codec.fingerprint(type)) }

    private fun compress(payload: ByteArray): ByteArray {
        if (compression == Compression.NONE) return payload
        val out = ByteArrayOutputStream(payload.size / 2 + 16)
        val stream = if (compression == Compression.GZIP) GZIPOutputStream(out) else DeflaterOutputStream(out)
        stream.use { it.write(payload) }
        return out.toByteArray()
    }

    private fun decompress(stored: Compression, payload: ByteArray): ByteArray =
        when (stored) {
            Compression.NONE -> payload
            Compression.GZIP -> GZIPInputStream(ByteArrayInputStream(payload)).use { it.readBytes() }
            Compression.DEFLATE -> InflaterInputStream(ByteArrayInputStream(payload)).use { it.readBytes() }
        }

    companion object {
        private const val MAGIC = "cw1"
        private const val TAGGED = "cwt"
        private val TAGGED_PREFIX = "$TAGGED|".encodeToByteArray()
        private const val FAILURE = "failure"
        private const val STAMP = "stamp"
        private val metaJson = kotlinx.serialization.json.Json
        private const val NO_EXPIRY = 0L
        private const val SIGNATURE_PARTS = 3
        private const val MAX_SIGNATURE = 200
        private const val MAX_FIELD = 64

        /** Whether [value] is stored as a plain decimal counter. */
        fun isInteger(value: Any?): Boolean = value is Long || value is Int || value is Short || value is Byte

        fun parseDecimal(bytes: ByteArray): Long? {
            if (bytes.isEmpty() || bytes.size > 20) return null
            val first = if (bytes[0] == '-'.code.toByte()) 1 else 0
            if (first == bytes.size) return null
            for (i in first until bytes.size) {
                if (bytes[i] < '0'.code.toByte() ||
                    bytes[i] > '9'.code.toByte()
                ) {
                    return null
                }
            }
            return String(bytes, Charsets.US_ASCII).toLongOrNull()
        }

        /** A stored integer read as [target]: the integer types narrow when they fit; anything else is a miss. */
        fun integerAs(value: Long, target: Class<*>): Any? =
            when (target) {
                Long::class.javaObjectType, Number::class.java, Any::class.java -> value
                Int::class.javaObjectType -> if (value in Int.MIN_VALUE..Int.MAX_VALUE) value.toInt() else Miss
                Short::class.javaObjectType -> if (value in Short.MIN_VALUE..Short.MAX_VALUE) value.toShort() else Miss
                Byte::class.javaObjectType -> if (value in Byte.MIN_VALUE..Byte.MAX_VALUE) value.toByte() else Miss
                else -> Miss
            }
    }
}

/** The JSON form of a [TagStamp] in a tagged envelope. */
@kotlinx.serialization.Serializable
private class StampRecord(
    val t: List<String>,
    val v: List<Long>,
)

private fun ByteArray.startsWith(prefix: ByteArray): Boolean {
    if (size < prefix.size) return false
    for (i in prefix.indices) if (this[i] != prefix[i]) return false
    return true
}

/** Whether `this[start, end)` holds exactly the ASCII characters of [text]. */
private fun ByteArray.asciiEquals(start: Int, end: Int, text: String): Boolean {
    if (end - start != text.length) return false
    for (i in text.indices) if (this[start + i] != text[i].code.toByte()) return false
    return true
}

private fun ByteArray.indexOf(byte: Byte, from: Int): Int {
    for (i in from until size) if (this[i] == byte) return i
    return -1
}

private val HEX = "0123456789abcdef".toCharArray()

private fun ByteArray.toHex(): String {
    val chars = CharArray(size * 2)
    for (i in indices) {
        val v = this[i].toInt() and 0xff
        chars[i * 2] = HEX[v ushr 4]
        chars[i * 2 + 1] = HEX[v and 0x0f]
    }
    return String(chars)
}

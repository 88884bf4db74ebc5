package io.cashews.internal.value

import io.cashews.BackendSettings
import io.cashews.Compression
import io.cashews.DigestMod
import io.cashews.JavaSerializationCodec
import io.cashews.KotlinxCodec
import io.cashews.SetupError
import io.cashews.ValueCodec
import java.util.ServiceLoader
import kotlin.time.TimeSource

/** Reads the cache-level value options of a setup (`secret`, `digestmod`, `codec`, …) into a serializer. */
internal object CodecSettings {
    private val builtIn: Map<String, ValueCodec> =
        listOf(
            KotlinxCodec.Json,
            KotlinxCodec.Cbor,
            KotlinxCodec.ProtoBuf,
            JavaSerializationCodec,
        ).associateBy { it.name }

    /** Codecs other artifacts register (`META-INF/services/io.cashews.ValueCodec`), by name. */
    private val loaded: Map<String, ValueCodec> by lazy {
        ServiceLoader.load(ValueCodec::class.java, ValueCodec::class.java.classLoader).associateBy { it.name }
    }

    /** Which artifact brings each codec name that core does not. */
    private val artifacts =
        mapOf("jackson" to "io.cashews:cashews-jackson", "jackson2" to "io.cashews:cashews-jackson2")

    /** The codec called [name] (case-insensitive), built in or registered. */
    fun named(name: String): ValueCodec {
        val key = name.trim().lowercase()
        return builtIn[key] ?: loaded[key] ?: throw unknownCodec(key)
    }

    /** Epoch milliseconds now, advancing with [timeSource] (so signed expiries also run in virtual time). */
    private fun epochClock(timeSource: TimeSource): () -> Long {
        if (timeSource === TimeSource.Monotonic) return System::currentTimeMillis
        val origin = System.currentTimeMillis()
        val mark = timeSource.markNow()
        return { origin + mark.elapsedNow().inWholeMilliseconds }
    }

    private fun unknownCodec(name: String): SetupError {
        val artifact = artifacts[name]
        if (artifact != null) {
            return SetupError("setup parameter 'codec' is '$name', which needs $artifact on the classpath")
        }
        val known = (builtIn.keys + loaded.keys).joinToString()
        return SetupError(
            "setup parameter 'codec' has value '$name', expected one of $known or a ValueCodec given to setup",
        )
    }

    /** The serializer for a backend, or `null` when it stores objects and nothing asks for bytes. */
    fun serializer(settings: BackendSettings, storesObjects: Boolean, given: ValueCodec?): ValueSerializer? {
        val secret = settings.string("secret")
        if (secret != null && secret.isEmpty()) throw SetupError("setup parameter 'secret' is empty")
        val digest =
            settings.string("digestmod")?.let {
                DigestMod.byName(it.trim())
                    ?: throw SetupError(
                        "setup parameter 'digestmod' has value '$it', expected one of md5, sha1, sha256",
                    )
            } ?: DigestMod.MD5
        val codecName = settings.string("codec")?.trim()?.lowercase()
        val codec =
            when {
                given != null && codecName != null && codecName != given.name -> {
                    throw SetupError("setup parameter 'codec' is '$codecName' but the codec given is '${given.name}'")
                }

                given != null -> {
                    given
                }

                codecName != null -> {
                    builtIn[codecName] ?: loaded[codecName] ?: throw unknownCodec(codecName)
                }

                else -> {
                    null
                }
            }
        val compression =
            settings.string("compress_type")?.let {
                Compression.byName(it.trim())
                    ?: throw SetupError(
                        "setup parameter 'compress_type' has value '$it', expected one of none, gzip, deflate",
                    )
            } ?: Compression.NONE
        val checkSchema = settings.boolean("check_schema", true)
        val tamperedIsMiss = settings.choice("on_tampered", listOf("error", "miss"), "error") == "miss"
        val bytes = !storesObjects || secret != null || codec != null || compression != Compression.NONE
        if (!bytes) return null
        return ValueSerializer(
            codec ?: KotlinxCodec.Json,
            compression,
            secret?.encodeToByteArray(),
            digest,
            checkSchema,
            tamperedIsMiss,
            epochClock(settings.timeSource),
        )
    }
}

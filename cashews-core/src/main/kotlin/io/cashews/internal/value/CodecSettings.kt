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

    /** `secret`, or its former name `hash_key` (cashews before 7.4); both at once must agree. */
    private fun secret(settings: BackendSettings): String? {
        val secret = settings.string("secret")
        val hashKey = settings.string("hash_key")
        if (secret != null && hashKey != null && secret != hashKey) {
            throw SetupError("setup parameters 'secret' and 'hash_key' (its former name) differ: give one")
        }
        val chosen = secret ?: hashKey
        if (chosen != null && chosen.isEmpty()) {
            throw SetupError("setup parameter '${if (secret != null) "secret" else "hash_key"}' is empty")
        }
        return chosen
    }

    private fun digestMod(raw: String): DigestMod {
        val name = raw.trim().lowercase()
        DigestMod.byName(name)?.let { return it }
        // The reference also offers a byte sum and unkeyed xxhash digests: neither needs the secret to forge, so
        // they would sign nothing.
        if (name == "sum" || name.startsWith("xxh")) {
            throw SetupError(
                "setup parameter 'digestmod' is '$raw', which anyone can forge without the secret; " +
                    "use sha256 (or md5, sha1), HMACs keyed by the secret",
            )
        }
        throw SetupError("setup parameter 'digestmod' has value '$raw', expected one of md5, sha1, sha256")
    }

    /**
     * `codec`, or the reference's `pickle_type` translated: `default` and `null` leave the default (objects kept in
     * memory, JSON on byte backends), `json` is `json`; Python-only picklers are refused with what to use instead.
     */
    private fun codecName(settings: BackendSettings): String? {
        val codec = settings.string("codec")?.trim()?.lowercase()
        val pickleType = settings.string("pickle_type") ?: return codec
        if (codec != null) throw SetupError("give 'codec' or 'pickle_type' (its name in the reference), not both")
        return when (val name = pickleType.trim().lowercase()) {
            "default", "null", "pickle" -> null

            "json" -> "json"

            "dill", "sqlalchemy" -> throw SetupError(
                "setup parameter 'pickle_type' is '$pickleType', a Python pickler; on the JVM set codec=jackson " +
                    "(cashews-jackson, any class or record) or codec=json (kotlinx @Serializable classes)",
            )

            else -> throw SetupError(
                "setup parameter 'pickle_type' has value '$pickleType', expected default, null or json; " +
                    "other formats are chosen with 'codec' (${(builtIn.keys + artifacts.keys).joinToString()})",
            )
        }
    }

    /** The serializer for a backend, or `null` when it stores objects and nothing asks for bytes. */
    fun serializer(settings: BackendSettings, storesObjects: Boolean, given: ValueCodec?): ValueSerializer? {
        val secret = secret(settings)
        val digest = settings.string("digestmod")?.let(::digestMod) ?: DigestMod.MD5
        val codecName = codecName(settings)
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

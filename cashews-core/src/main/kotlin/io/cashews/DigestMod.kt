package io.cashews

/** The HMAC used to sign stored values when a `secret` is set (setup parameter `digestmod`, default `md5`). */
public enum class DigestMod(
    /** The name in setup URLs and in signed values. */
    public val id: String,
    internal val jcaName: String,
) {
    /** HMAC-MD5 (the reference's default). */
    MD5("md5", "HmacMD5"),

    /** HMAC-SHA1. */
    SHA1("sha1", "HmacSHA1"),

    /** HMAC-SHA256. */
    SHA256("sha256", "HmacSHA256"),
    ;

    public companion object {
        /** The digest named [name], or `null` when unknown. */
        @JvmStatic
        public fun byName(name: String): DigestMod? = entries.firstOrNull { it.id == name.lowercase() }
    }
}

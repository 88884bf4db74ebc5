package io.cashews

/** Compression of encoded values (setup parameter `compress_type`). Readers decompress by what the value records. */
public enum class Compression(
    /** The name in setup URLs and in stored values. */
    public val id: String,
) {
    /** No compression. */
    NONE("none"),

    /** gzip (RFC 1952). */
    GZIP("gzip"),

    /** zlib/deflate (RFC 1950); `zlib` is accepted as a setup alias. */
    DEFLATE("deflate"),
    ;

    public companion object {
        /** The compression named [name] (`null`/`none`, `gzip`, `deflate`/`zlib`), or `null` when unknown. */
        @JvmStatic
        public fun byName(name: String): Compression? =
            when (name.lowercase()) {
                "none", "null", "" -> NONE
                "gzip" -> GZIP
                "deflate", "zlib" -> DEFLATE
                else -> null
            }
    }
}

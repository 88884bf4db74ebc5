package io.cashews

/**
 * Why an entry left a backend, as Caffeine's removal causes say it: see [RemovalListener].
 */
public enum class RemovalReason {
    /** Its TTL or idle time ran out. */
    EXPIRED,

    /** It was deleted: `delete`, `deleteMatch`, `clear`, a tag's deletion, a lock's release. */
    EXPLICIT,

    /** Another value was written over it. */
    REPLACED,

    /** The backend's bound (entries or bytes) pushed it out. */
    SIZE,

    /** The garbage collector took its value (a memory backend with soft values). */
    COLLECTED,
}

/**
 * Told every entry that leaves a backend and why (Caffeine's removal listener). It is called on the thread that
 * removed the entry, after the removal: keep it quick, and do not call the cache from it.
 */
public fun interface RemovalListener {
    /** [key] left with [value] (as it was stored: the object, or its bytes) for [reason]. */
    public fun onRemoval(key: String, value: Any?, reason: RemovalReason)
}

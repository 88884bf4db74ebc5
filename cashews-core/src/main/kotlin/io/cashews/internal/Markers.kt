package io.cashews.internal

/** Answer of a lookup that found nothing usable (missing, expired, undecodable): distinct from a cached `null`. */
@PublishedApi
internal object Miss

/** What an object backend stores for a cached `null` (backends never hold `null` values). */
internal object NullValue {
    override fun toString(): String = "null"
}

/** Answer of a non-suspending lookup that cannot be answered without suspending. */
@PublishedApi
internal object NotNow

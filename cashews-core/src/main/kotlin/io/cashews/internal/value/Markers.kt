package io.cashews.internal.value

/**
 * What a lookup answers instead of a value: [Miss], [NotNow], or a [StoredFailure]. Inline reads check `is Marker`
 * once, so a cached value is told apart from every kind of non-value in one test.
 */
@PublishedApi
internal sealed class Marker

/** Answer of a lookup that found nothing usable (missing, expired, undecodable): distinct from a cached `null`. */
internal object Miss : Marker()

/** What an object backend stores for a cached `null` (backends never hold `null` values). */
internal object NullValue {
    override fun toString(): String = "null"
}

/** Answer of a non-suspending lookup that cannot be answered without suspending. */
internal object NotNow : Marker()

package io.cashews.internal.tags

import io.cashews.Backend
import io.cashews.ImmediateReadBackend
import io.cashews.SetCondition
import io.cashews.internal.route.Route
import io.cashews.internal.route.Routing
import io.cashews.internal.tags.TagVersions.Companion.counterStampKey
import io.cashews.internal.value.Miss
import io.cashews.internal.value.NotNow
import io.cashews.internal.value.ValueSerializer
import io.cashews.internal.value.ValueSerializer.Companion.isInteger
import kotlin.time.Duration

/**
 * The tags layer, on the read and write paths: whether what a backend holds carries a tag deleted since it was
 * written (see [TagVersions] for the design), and what to do then. Values carry their tags; counters, which must stay
 * plain integers for `incr`, keep theirs beside them at [TagVersions.counterStampKey].
 */
internal class TagSettlement(
    private val routing: Routing,
    val versions: TagVersions,
) {
    /** Whether reads of [route] must look for tags: once it may hold any. */
    fun checksTags(route: Route): Boolean = route.tagsWritten || route.serializer != null

    /** [found] without its tags when they are current; [Miss] (and the entry deleted) when a tag was deleted. */
    suspend fun settle(route: Route, key: String, found: Any?): Any? {
        val stamp =
            when {
                found is Tagged -> found.stamp
                route.mayHoldCounterTags && isInteger(found) -> counterStamp(route, key) ?: return found
                else -> return found
            }
        if (versions.isCurrent(stamp)) return if (found is Tagged) found.value else found
        dropTagged(route, key, counter = found !is Tagged)
        return Miss
    }

    /** [settle] for the in-memory hit path: [NotNow] when the answer needs a suspend call or a delete. */
    fun settleNow(local: ImmediateReadBackend, key: String, found: Any?): Any? {
        val stamp =
            when {
                found is Tagged -> found.stamp
                isInteger(found) -> (local.getNow(counterStampKey(key)) as? TagStamp) ?: return found
                else -> return found
            }
        if (versions.isCurrentNow(stamp) != true) return NotNow
        return if (found is Tagged) found.value else found
    }

    /** Whether the entry [stored] at [key] carries a tag deleted since it was written. */
    suspend fun isStale(route: Route, key: String, stored: Any): Boolean {
        val stamp =
            when {
                stored is Tagged -> stored.stamp
                isCounter(stored) -> counterStamp(route, key)
                stored is ByteArray -> route.serializer?.stampOf(key, stored)
                else -> null
            } ?: return false
        return !versions.isCurrent(stamp)
    }

    /** The tags kept beside the counter at [key], if any. */
    suspend fun counterStamp(route: Route, key: String): TagStamp? {
        val stampKey = counterStampKey(key)
        val stored = routing.backendOf(route).get(stampKey) ?: return null
        return when (stored) {
            is TagStamp -> stored
            is ByteArray -> route.serializer?.stampOf(stampKey, stored)
            else -> null
        }
    }

    /** Keeps [stamp] beside the counter at [key], for [ttl]. */
    suspend fun writeCounterStamp(route: Route, key: String, stamp: TagStamp, ttl: Duration?) {
        val stampKey = counterStampKey(key)
        route.tagsWritten = true
        val stored: Any = route.serializer?.encodeStamp(stampKey, stamp, ttl) ?: stamp
        routing.backendOf(route).set(stampKey, stored, ttl, SetCondition.ALWAYS)
    }

    /**
     * Deletes [key] when what it holds carries a deleted tag, so that write commands (a conditional `set`, `incr`,
     * `expire`, `delete`) find it gone, as reads do; returns whether it did. Costs one read where tags may be kept
     * ([checksTags]), nothing elsewhere.
     */
    suspend fun dropIfStale(route: Route, backend: Backend, key: String): Boolean {
        if (!checksTags(route)) return false
        val stored = backend.get(key) ?: return false
        if (!isStale(route, key, stored)) return false
        dropTagged(route, key, counter = isCounter(stored))
        return true
    }

    /** Whether [stored] is a counter: an integer, or its decimal text on a byte backend. */
    fun isCounter(stored: Any): Boolean =
        isInteger(stored) || (stored is ByteArray && ValueSerializer.parseDecimal(stored) != null)

    /** Deletes an entry found to carry a deleted tag (and the tags beside a [counter]). */
    suspend fun dropTagged(route: Route, key: String, counter: Boolean) {
        val backend = routing.backendOf(route)
        backend.delete(key)
        if (counter) backend.delete(counterStampKey(key))
    }
}

package io.cashews.internal.tags

import io.cashews.SetCondition
import io.cashews.internal.route.Route
import io.cashews.internal.value.ValueSerializer
import java.util.concurrent.ThreadLocalRandom

/** The tags a value was stored with, and the version each tag had when the write began. */
internal class TagStamp(
    val tags: Array<String>,
    val versions: LongArray,
) {
    /**
     * This stamp with the tags of [later] (read after the load: tags computed from its result) added; a tag both
     * name keeps the version this stamp read first.
     */
    operator fun plus(later: TagStamp): TagStamp {
        val added = later.tags.indices.filter { later.tags[it] !in tags }
        return TagStamp(tags + added.map { later.tags[it] }, versions + added.map { later.versions[it] })
    }
}

/** A value stored with tags: what an object backend holds and what a tagged byte envelope decodes to. */
internal class Tagged(
    val value: Any?,
    val stamp: TagStamp,
)

/**
 * Tag invalidation by version, so that deleting a tag never scans the keyspace and costs the same for one key or a
 * million.
 *
 * Every tag has a version at `_tag:<tag>`: a random non-zero number. A tagged write records the versions its tags
 * had *before* the value was computed; a read compares them with the current ones and treats any difference as a
 * miss (deleting the entry it read). [bump] gives a tag a new version, which makes every value written under the
 * old one unreadable at once, including values a load is still computing. A version key that is missing (never
 * written, evicted, deleted) matches no stamp, so losing one only costs misses, never a resurrected value.
 *
 * Version keys are routed like any key, so a cache can keep them on a backend of their own (prefix `_tag:`). On an
 * in-memory backend they are kept beside it in a store with the same bound ([Route.tagVersionStore]).
 */
internal class TagVersions(
    private val route: (String) -> Route,
) {
    /** The stamp for a write tagged with [tags], creating the versions of tags never seen; `null` without tags. */
    suspend fun stamp(tags: Collection<String>): TagStamp? {
        if (tags.isEmpty()) return null
        val names = tags.distinct().toTypedArray()
        for (tag in names) require(tag.isNotBlank()) { "a tag must not be blank, was '$tag' in $tags" }
        val versions = LongArray(names.size) { i -> read(names[i]) ?: create(names[i]) }
        return TagStamp(names, versions)
    }

    /** Whether every tag of [stamp] still has the version the stamp recorded. */
    suspend fun isCurrent(stamp: TagStamp): Boolean {
        for (i in stamp.tags.indices) if (read(stamp.tags[i]) != stamp.versions[i]) return false
        return true
    }

    /** [isCurrent] answered without suspending, or `null` when a version lives on a backend that needs to. */
    fun isCurrentNow(stamp: TagStamp): Boolean? {
        for (i in stamp.tags.indices) {
            val key = versionKey(stamp.tags[i])
            val route = route(key)
            val local = route.tagVersionStore ?: route.local ?: return null
            if (versionOf(local.getNow(key)) != stamp.versions[i]) return false
        }
        return true
    }

    /** Gives [tag] a new version: every value stored under its current one reads as a miss from now on. */
    suspend fun bump(tag: String) {
        require(tag.isNotBlank()) { "a tag must not be blank, was '$tag'" }
        write(tag, SetCondition.ALWAYS)
    }

    private suspend fun read(tag: String): Long? {
        val key = versionKey(tag)
        val route = route(key)
        val local = route.tagVersionStore ?: route.local
        return versionOf(if (local != null) local.getNow(key) else route.ready().get(key))
    }

    private suspend fun create(tag: String): Long {
        val written = write(tag, SetCondition.IF_ABSENT)
        // Another writer may have created it first: theirs is the version.
        return read(tag) ?: written
    }

    private suspend fun write(tag: String, condition: SetCondition): Long {
        val key = versionKey(tag)
        val route = route(key)
        val version = newVersion()
        val own = route.tagVersionStore
        if (own != null) {
            own.set(key, version, null, condition)
            return version
        }
        val stored: Any = if (route.serializer == null) version else version.toString().encodeToByteArray()
        route.ready().set(key, stored, null, condition)
        return version
    }

    private fun newVersion(): Long {
        while (true) {
            val candidate = ThreadLocalRandom.current().nextLong()
            if (candidate != 0L) return candidate
        }
    }

    companion object {
        fun versionKey(tag: String): String = "_tag:$tag"

        /** Where the tags of the counter at [key] are kept, on the counter's own backend. */
        fun counterStampKey(key: String): String = "_tagged:$key"

        private fun versionOf(stored: Any?): Long? =
            when (stored) {
                is Long -> stored
                is ByteArray -> ValueSerializer.parseDecimal(stored)
                else -> null
            }
    }
}

package io.cashews.disk

import io.cashews.RemovalListener
import io.cashews.RemovalReason
import io.cashews.RemovalReason.EXPIRED
import io.cashews.RemovalReason.EXPLICIT
import io.cashews.RemovalReason.REPLACED
import io.cashews.RemovalReason.SIZE
import io.cashews.SetCondition
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TestTimeSource

/** What a listener was told: key, the stored bytes as text, and why. */
private class Told : RemovalListener {
    val all = CopyOnWriteArrayList<Triple<String, String?, RemovalReason>>()

    override fun onRemoval(key: String, value: Any?, reason: RemovalReason) {
        all += Triple(key, (value as ByteArray?)?.decodeToString(), reason)
    }

    fun take(): List<Triple<String, String?, RemovalReason>> = all.toList().also { all.clear() }
}

private fun bytes(text: String) = text.encodeToByteArray()

class DiskRemovalSpec : FunSpec({
    test("the removal listener is told every removal on disk and why, with the bytes that were stored") {
        withDirectory { directory ->
            val time = TestTimeSource()
            val told = Told()
            val disk = DiskBackend(directory, shards = 2, timeSource = time, removalListener = told)
            disk.init()

            disk.set("k", bytes("v1"), null, SetCondition.ALWAYS)
            disk.set("k", bytes("v2"), null, SetCondition.ALWAYS)
            disk.set("k", bytes("v3"), null, SetCondition.IF_EXISTS)
            disk.set("k", bytes("no"), null, SetCondition.IF_ABSENT) shouldBe false // refused: nothing removed
            disk.setMany(mapOf("k" to bytes("v4"), "m" to bytes("m1")), null)
            told.take() shouldContainExactly
                listOf(Triple("k", "v1", REPLACED), Triple("k", "v2", REPLACED), Triple("k", "v3", REPLACED))

            disk.delete("k") shouldBe true
            disk.delete("k") shouldBe false
            disk.deleteMany(listOf("m", "nothing"))
            told.take() shouldContainExactly listOf(Triple("k", "v4", EXPLICIT), Triple("m", "m1", EXPLICIT))

            disk.set("read", bytes("r"), 10.seconds, SetCondition.ALWAYS)
            disk.set("swept", bytes("s"), 10.seconds, SetCondition.ALWAYS)
            disk.set("written", bytes("w"), 10.seconds, SetCondition.ALWAYS)
            disk.set("absent", bytes("a"), 10.seconds, SetCondition.ALWAYS)
            time += 11.seconds
            disk.get("read") shouldBe null
            disk.getMany(listOf("read")) shouldBe listOf(null)
            disk.set("written", bytes("w2"), null, SetCondition.ALWAYS)
            disk.set("absent", bytes("a2"), null, SetCondition.IF_ABSENT) shouldBe true
            disk.removeExpired() shouldBe 1L
            told.take() shouldContainExactly
                listOf(
                    Triple("read", "r", EXPIRED),
                    Triple("written", "w", EXPIRED),
                    Triple("absent", "a", EXPIRED),
                    Triple("swept", "s", EXPIRED),
                )

            disk.setLock("lock", "token-1", 10.seconds) shouldBe true
            disk.unlock("lock", "someone else") shouldBe false
            disk.unlock("lock", "token-1") shouldBe true
            disk.setAdd("set", listOf("a"), null)
            disk.setRemove("set", listOf("a")) shouldBe 1L // the set is empty, so the key goes, as on Redis
            disk.incr("n", 1, null)
            disk.incr("n", 1, null) // a counter changed in place is not a removal
            told.take().map { it.first to it.third } shouldContainExactly listOf("lock" to EXPLICIT, "set" to EXPLICIT)

            disk.deleteMatch("wr*") shouldBe 1L
            disk.clear()
            told.take().map { it.first to it.third } shouldContainExactlyInAnyOrder
                listOf("written" to EXPLICIT, "absent" to EXPLICIT, "n" to EXPLICIT)
            disk.close()
        }
    }

    test("evictions for the size limit are told as SIZE; a failing listener leaves the removal done") {
        withDirectory { directory ->
            val told = Told()
            var failures = 0
            val listener =
                RemovalListener { key, value, reason ->
                    told.onRemoval(key, value, reason)
                    failures++
                    error("listener fails")
                }
            val disk = DiskBackend(directory, shards = 1, sizeLimit = 4_000, removalListener = listener)
            disk.init()
            repeat(10) { disk.set("item:$it", ByteArray(900) { 'x'.code.toByte() }, null, SetCondition.ALWAYS) }
            val evicted = told.take()
            evicted.map { it.third }.distinct() shouldContainExactly listOf(SIZE)
            evicted.first().first shouldBe "item:0" // least recently used first
            evicted.size.toLong() shouldBe disk.evictions
            failures shouldBe evicted.size
            disk.delete("item:9") shouldBe true
            disk.exists("item:9") shouldBe false
            told.take().single().first shouldStartWith "item:9"
            disk.close()
        }
    }
})

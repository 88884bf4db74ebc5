package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.minutes

class DisabledCacheSpec : FunSpec({
    test("every command of a disabled cache answers neutrally, shaped like the real answer") {
        runTest {
            val cache = Cache("mem://?disable=1")
            cache.set("k", "v") shouldBe false
            cache.get<String>("k") shouldBe null
            cache.getMany<String>(listOf("a", "b", "c")) shouldBe listOf(null, null, null)
            cache.exists("k") shouldBe false
            cache.ttl("k") shouldBe KeyTtl.Missing
            cache.incr("n") shouldBe 0
            cache.delete("k") shouldBe false
            cache.deleteMany(listOf("a", "b")) shouldBe 0
            cache.deleteMatch("*") shouldBe 0
            cache.scan("*").toList() shouldBe emptyList()
            cache.getMatch<String>("*").toList() shouldBe emptyList()
            cache.expire("k", 1.minutes) shouldBe false
            cache.keysCount() shouldBe 0
            cache.sizeOf("k") shouldBe 0
            cache.ping() shouldBe false
            cache.getBits("b", listOf(1, 2, 3)) shouldBe listOf(0L, 0L, 0L)
            cache.incrBits("b", listOf(1, 2)) shouldBe listOf(0L, 0L)
            cache.sliceIncr("w", 0, 10, 5) shouldBe 0
            cache.setAdd("s", listOf("a")) shouldBe 0
            cache.setPop("s") shouldBe emptyList()
            cache.getOrSet("k") { "computed" } shouldBe "computed"
        }
    }

    test("lock on a disabled cache runs the block without a lock") {
        runTest {
            val cache = Cache("://")
            cache.lock("job", 1.minutes) { "ran" } shouldBe "ran"
            cache.isLocked("job") shouldBe false
        }
    }

    test("a disabled prefix leaves the other backends working") {
        runTest {
            val cache = Cache()
            cache.setup("mem://")
            cache.setup("mem://?enable=no", prefix = "off:")
            cache.set("on", 1) shouldBe true
            cache.set("off:k", 1) shouldBe false
            cache.get<Int>("on") shouldBe 1
        }
    }
})

package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.TestTimeSource

/** cacheme's `Node`, ported: its fields are a value, its key a template over them, its invalid node a tag. */
private data class NodeUser(
    val id: Int,
)

private data class TestNode(
    val id: Int,
    val user: NodeUser,
)

class NodesSpec : FunSpec({
    test("a handle over a node class: key from fields, invalidation by node, by invalid node and for all, get, hooks") {
        runTest {
            val cache = Cache("mem://", TestTimeSource())
            val loads = AtomicInteger()
            // class TestNode(Node): id = Field(); user = Field()
            //     def key(self): return 'test:%s:%s' % (self.id, self.user.id)
            //     def invalid_nodes(self): return InvalidNode(id=self.id)
            //     class Meta: stale = False
            val policy =
                CachedPolicy(
                    TtlRule.Fixed(1.hours),
                    KeyTemplate.of("test:{node.id}:{node.user.id}"),
                    tags = listOf("invalid:{node.id}"),
                    serveStale = false,
                )
            val testNode =
                cache.function(
                    policy,
                ) { node: TestNode -> "node ${node.id}/${node.user.id} #${loads.incrementAndGet()}" }

            // def hit(self, key, result, container) / def miss(self, key, container)
            val hooks = CopyOnWriteArrayList<String>()
            val listening =
                testNode.listen(
                    object : CacheEventListener {
                        override fun onHit(key: String, strategy: String) {
                            hooks += "hit $key"
                        }

                        override fun onMiss(key: String, strategy: String) {
                            hooks += "miss $key"
                        }
                    },
                )
            val ann = TestNode(123, NodeUser(7))
            val bob = TestNode(123, NodeUser(8))
            testNode(ann) shouldBe "node 123/7 #1"
            testNode(ann) shouldBe "node 123/7 #1"
            cache.cached(1.hours, "unrelated") { "not a node" }
            hooks shouldBe listOf("miss test:123:7", "hit test:123:7")

            // nodes.TestNode.objects.get(id=123, user=…): the stored value, nothing loaded
            testNode.peek(ann) shouldBe "node 123/7 #1"
            testNode.peek(bob) shouldBe null

            // nodes.TestNode.objects.invalid(id=123, user=…): one node
            testNode(bob) shouldBe "node 123/8 #2"
            testNode.invalidate(ann) shouldBe true
            testNode.peek(ann) shouldBe null
            testNode.peek(bob) shouldBe "node 123/8 #2"

            // nodes.TestInvalidNode.objects.invalid(id=123): every node stored under that invalid node
            testNode(ann)
            cache.deleteTags(listOf("invalid:123"))
            testNode.peek(ann) shouldBe null
            testNode.peek(bob) shouldBe null

            // nodes.TestNode.objects.invalid(): every node of the class
            testNode(ann)
            testNode(TestNode(9, NodeUser(1)))
            testNode.clear() shouldBe 2L
            listening.close()
            testNode(ann)
            // Nothing is reported after close.
            hooks shouldBe
                listOf(
                    "miss test:123:7",
                    "hit test:123:7",
                    "miss test:123:8",
                    "miss test:123:7",
                    "miss test:123:7",
                    "miss test:9:1",
                )
        }
    }
})

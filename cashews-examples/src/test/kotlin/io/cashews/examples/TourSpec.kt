package io.cashews.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class TourSpec : FunSpec({
    test("the tour runs every scenario on the in-memory backend and shows each strategy at work") {
        val lines = Tour.run("mem://", print = {})

        fun line(prefix: String, nth: Int = 0) = lines.filter { it.startsWith(prefix) }[nth]

        line("GET    /users/1 ", 0) shouldContain "200 miss"
        line("GET    /users/1 ", 1) shouldContain "200 hit cached"
        line("GET    /users/1 ", 2) shouldContain "200 miss" // after the tags were deleted
        line("GET    /page ", 1) shouldContain "-> 304"
        lines.filter { it.startsWith("GET    /search") }.map { it.substringAfter("-> ").take(3) } shouldBe
            List(5) { "200" } + List(2) { "429" }
        line("GET    /rates ", 1) shouldContain "200 hit early "
        line("GET    /rates ", 2) shouldContain "200 hit early, stale"
        line("GET    /weather ", 1) shouldContain "200 hit soft, stale"
        line("GET    /stock ", 1) shouldContain "200 hit failover, stale"
        lines.filter { it.startsWith("GET    /flaky") }.map { it.substringAfter("-> ").take(3) } shouldContainAll
            listOf("502", "503")
    }
})

package io.cashews

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import org.jetbrains.kotlin.abi.tools.AbiFilters
import org.jetbrains.kotlin.abi.tools.AbiTools
import java.io.File

/**
 * The binary-compatibility check: the public and published (`@PublishedApi`, inlined into callers) API of the
 * compiled classes, dumped as Kotlin's binary-compatibility validator dumps it, must match `api/cashews-core.api`.
 * A change to that API fails the build until the dump is regenerated with `mvn verify -Dabi.update=true` and the diff
 * is reviewed and committed with it.
 */
class AbiSpec : FunSpec({
    test("the public and published API matches api/cashews-core.api") {
        val classes = File("target/classes").walkTopDown().filter { it.isFile && it.extension == "class" }.toList()
        val dump = StringBuilder()
        AbiTools.getInstance().printJvmDump(dump, classes, AbiFilters(emptySet(), emptySet(), emptySet(), emptySet()))
        val expected = File("api/cashews-core.api")
        if (System.getProperty("abi.update") == "true" || !expected.exists()) {
            expected.parentFile.mkdirs()
            expected.writeText(dump.toString())
        }
        dump.toString() shouldBe expected.readText()
    }
})

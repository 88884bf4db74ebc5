package io.cashews.examples

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.io.File

/**
 * Every Kotlin and Java example in the README is a region of a sample under `src/samples`, compiled and run as a
 * test there: this spec checks that the page shows each region exactly as it is, and has no example without one.
 */
class ReadmeSamplesSpec : FunSpec({
    val readme = File("../README.md").readText()
    val samples =
        File("src/samples")
            .walk()
            .filter { it.isFile && (it.name.endsWith(".kt") || it.name.endsWith(".java")) }
            .flatMap { file -> regions(file.readText()).map { (name, code) -> Triple(name, code, file.name) } }
            .toList()

    test("every example in the README is marked with the sample it comes from") {
        val fences = Regex("^[ \\t]*```(kotlin|java)\\s*$", RegexOption.MULTILINE).findAll(readme).count()
        examples(readme).size shouldBe fences
    }

    test("each sample region appears once, and the README shows it exactly") {
        val repeated = samples.groupBy { it.first }.filterValues { it.size > 1 }
        repeated.keys.shouldBeEmpty()
        val shown = examples(readme)
        shown.keys shouldBe samples.map { it.first }.toSet()
        for ((name, code, file) in samples) {
            withClue("sample '$name' in $file") { shown[name] shouldBe code }
        }
    }
})

private val MULTILINE_BLOCKS = setOf(RegexOption.MULTILINE, RegexOption.DOT_MATCHES_ALL)

/** A `<!-- sample: name -->` line, then a fenced Kotlin or Java block: the name, the fence's indent and its code. */
private val README_EXAMPLE =
    Regex("^([ \\t]*)<!-- sample: ([\\w-]+) -->\\n[ \\t]*```(?:kotlin|java)\\n(.*?)^[ \\t]*```", MULTILINE_BLOCKS)

/** A `// sample: name` … `// end sample` region of a source file. */
private val SAMPLE_REGION = Regex("^[ \\t]*// sample: ([\\w-]+)\\n(.*?)^[ \\t]*// end sample", MULTILINE_BLOCKS)

/** The README's examples by sample name, their indentation removed. */
private fun examples(readme: String): Map<String, String> =
    README_EXAMPLE.findAll(readme).associate { match ->
        match.groupValues[2] to match.groupValues[3].trimIndent().trimEnd()
    }

/** The sample regions of a source file, their indentation removed. */
private fun regions(source: String): List<Pair<String, String>> =
    SAMPLE_REGION
        .findAll(source)
        .map { match -> match.groupValues[1] to match.groupValues[2].trimIndent().trimEnd() }
        .toList()

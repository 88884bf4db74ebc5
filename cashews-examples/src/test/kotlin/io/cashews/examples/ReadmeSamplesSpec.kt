package io.cashews.examples

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.io.File

/**
 * Every Kotlin and Java example in the README is a region of a sample under `src/samples`, compiled and run as a
 * test there: this spec checks that the page shows each region exactly as it is, headed by the imports of its file
 * that it uses, and has no example without one.
 */
class ReadmeSamplesSpec : FunSpec({
    val readme = File("../README.md").readText()
    val samples =
        File("src/samples")
            .walk()
            .filter { it.isFile && (it.name.endsWith(".kt") || it.name.endsWith(".java")) }
            .flatMap { file ->
                val source = file.readText()
                regions(source).map { (name, code) -> Triple(name, withImports(source, code), file.name) }
            }.toList()

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

/** An import line of a Kotlin or Java file: the imported name's last segment (or its alias) in group 2. */
private val IMPORT = Regex("^import (?:static )?([\\w.]+?)\\.(\\w+)(?: as (\\w+))?;?$", RegexOption.MULTILINE)

/** Test harnesses' imports (assertions, test clients): not part of what a sample shows. */
private val TEST_PACKAGES =
    listOf("io.kotest.", "org.junit.", "kotlinx.coroutines.test.", "io.ktor.client.", "io.ktor.server.testing.")

/** [code] headed by the imports of [source] it uses (by name), in the file's order, as the README shows it. */
private fun withImports(source: String, code: String): String {
    val used =
        IMPORT
            .findAll(source)
            .filter { match -> TEST_PACKAGES.none { match.groupValues[1].startsWith(it) } }
            .filter { match ->
                val name = match.groupValues[3].ifEmpty { match.groupValues[2] }
                Regex("\\b${Regex.escape(name)}\\b").containsMatchIn(code)
            }.map { it.value }
            .toList()
    return if (used.isEmpty()) code else used.joinToString("\n") + "\n\n" + code
}

/** The sample regions of a source file, their indentation removed. */
private fun regions(source: String): List<Pair<String, String>> =
    SAMPLE_REGION
        .findAll(source)
        .map { match -> match.groupValues[1] to match.groupValues[2].trimIndent().trimEnd() }
        .toList()

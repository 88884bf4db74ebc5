package io.cashews

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.json.Json
import kotlin.random.Random

/** The JSON string fast path answers what the parser answers, or leaves the text to the parser. */
class PlainJsonStringSpec : FunSpec({
    /** The fast path's answer for [json], at an offset as the envelope's body would be. */
    fun fast(json: String): String? {
        val header = "header|".encodeToByteArray()
        return plainJsonString(header + json.encodeToByteArray(), header.size)
    }

    /** The parser's answer for [json], or the exception it throws. */
    fun parsed(json: String): Result<String?> = runCatching { Json.decodeFromString(String.serializer(), json) }

    test("a string the encoder wrote decodes to itself, whatever characters it holds") {
        val random = Random(7)
        // Whole characters: a lone surrogate has no UTF-8 form, so it could not come back as itself either way.
        val alphabet =
            listOf("a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "é", "€", "日", "😀")
        repeat(20_000) {
            val text = buildString { repeat(random.nextInt(0, 40)) { append(alphabet[random.nextInt(alphabet.size)]) } }
            val json = Json.encodeToString(String.serializer(), text)
            val fast = fast(json)
            withClue(json) {
                if (fast != null) fast shouldBe text
                parsed(json).getOrThrow() shouldBe text
            }
        }
    }

    test("text without escapes takes the fast path; the parser would answer the same") {
        for (text in listOf("", "plain", "x".repeat(1024), "café 日本 😀", "a/b", "{\"not\":\"parsed\"}".drop(2))) {
            val json = "\"$text\""
            if ('"' in text) {
                fast(json).shouldBeNull()
            } else {
                fast(json) shouldBe text
                parsed(json).getOrThrow() shouldBe text
            }
        }
    }

    test("raw control characters, which no encoder writes, read as the parser reads them") {
        for (json in listOf("\"a\nb\"", "\"\u0000\"", "\"tab\there\"")) {
            withClue(json) { fast(json) shouldBe parsed(json).getOrThrow() }
        }
    }

    test("anything but one plain string is left to the parser") {
        val others =
            listOf(
                "null",
                "42",
                "\"",
                "\"a\\nb\"",
                "\"a\\\"b\"",
                "\"a\"b\"",
                "\"a\" ",
                " \"a\"",
                "\"open",
                "close\"",
                "[\"a\"]",
                "",
            )
        for (json in others) withClue(json) { fast(json).shouldBeNull() }
    }

    test("a cached string read through the JSON codec comes back whole, with and without escapes") {
        runTest {
            val cache = Cache().apply { setup("mem://", params = mapOf("codec" to "json")) }
            val values = listOf("plain text", "with \"quotes\"", "back\\slash", "line\nbreak", "", "日本 😀")
            for ((i, value) in values.withIndex()) {
                cache.set("k$i", value)
                cache.get<String>("k$i") shouldBe value
            }
            cache.set("n", null as String?)
            cache.get<String>("n").shouldBeNull()
        }
    }
})

package io.cashews

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.test.runTest
import java.util.Base64
import kotlin.time.Duration.Companion.hours

private data class Owner(
    val name: String,
    val address: Map<String, String>,
)

private class Renamable(
    var name: String,
)

class KeyTemplateSpec : FunSpec({
    test("placeholders render values, properties and map entries") {
        val template = KeyTemplate.of("user:{id}:{owner.name}:{owner.address.city}")
        template.render(mapOf("id" to 7, "owner" to Owner("Ann", mapOf("city" to "Oslo")))) shouldBe "user:7:Ann:Oslo"
        template.placeholders shouldBe setOf("id", "owner")
    }

    test("built-in filters transform and chain") {
        val values = mapOf("name" to "Ann Lee", "n" to 1234, "s" to "test")
        KeyTemplate.of("{name:lower}|{name:upper}|{n:len}").render(values) shouldBe "ann lee|ANN LEE|4"
        KeyTemplate.of("{s:hash}").render(values) shouldBe "098f6bcd4621d373cade4e832627b4f6"
        KeyTemplate.of("{s:hash(sha1)}").render(values) shouldBe "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
        KeyTemplate.of("{s:hash(sha256)}").render(values) shouldBe
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        KeyTemplate.of("{name:upper:hash(md5)}").render(values) shouldBe
            KeyTemplate.of("{x:hash}").render(mapOf("x" to "ANN LEE"))
    }

    test("jwt reads a claim of the token's payload") {
        val payload = Base64.getUrlEncoder().withoutPadding().encodeToString("""{"sub":"u-42","n":3}""".toByteArray())
        val token = "e30.$payload.sig"
        KeyTemplate.of("session:{token:jwt(sub)}").render(mapOf("token" to token)) shouldBe "session:u-42"
        shouldThrow<KeyTemplateError> { KeyTemplate.of("{t:jwt(sub)}").render(mapOf("t" to "not-a-jwt")) }
    }

    test("values of every shape render predictably") {
        val t = KeyTemplate.of("{v}")
        t.render(mapOf("v" to null)) shouldBe ""
        t.render(mapOf("v" to listOf(1, 2, 3))) shouldBe "1:2:3"
        t.render(mapOf("v" to mapOf("b" to 2, "a" to 1))) shouldBe "a:1:b:2"
        t.render(mapOf("v" to "hi".toByteArray())) shouldBe "hi"
        t.render(mapOf("v" to byteArrayOf(-1, 0))) shouldBe "ff00"
        t.render(mapOf("v" to true)) shouldBe "true"
        t.render(mapOf("v" to IllegalStateException("bad"))) shouldBe "IllegalStateException:bad"
    }

    test("custom filters and type formatters plug in") {
        KeyTemplate.registerFilter("reverse") { value, _ -> value.reversed() }
        KeyTemplate.of("{name:reverse}").render(mapOf("name" to "abc")) shouldBe "cba"
        KeyTemplate.registerFormatter(Owner::class.java) { "owner-${it.name}" }
        KeyTemplate.of("{o}").render(mapOf("o" to Owner("Bo", emptyMap()))) shouldBe "owner-Bo"
    }

    test("an unknown placeholder or filter fails when the template is built, naming it") {
        shouldThrow<KeyTemplateError> {
            KeyTemplate.of(
                "key:{wrong_key}:{a}",
                parameters = listOf("a"),
            )
        }.message shouldContain
            "'wrong_key'"
        shouldThrow<KeyTemplateError> { KeyTemplate.of("key:{a:nosuchfilter}") }.message shouldContain "'nosuchfilter'"
        shouldThrow<KeyTemplateError> { KeyTemplate.of("key:{a") }.message shouldContain "unclosed"
        shouldThrow<KeyTemplateError> { KeyTemplate.of("key:a}") }.message shouldContain "unmatched"
        shouldThrow<KeyTemplateError> { KeyTemplate.of("key:{1a}") }.message shouldContain "malformed"
        KeyTemplate.of("key:{{literal}}").render(emptyMap()) shouldBe "key:{literal}"
    }

    test("a missing value or property fails at render rather than collide on an empty string") {
        shouldThrow<KeyTemplateError> { KeyTemplate.of("{a}:{b}").render(mapOf("a" to 1)) }.message shouldContain
            "'{b}'"
        shouldThrow<KeyTemplateError> {
            KeyTemplate.of("{o.nope}").render(mapOf("o" to Owner("x", emptyMap())))
        }.message shouldContain
            "'nope'"
    }

    test("the key context fills {@name} placeholders, inherited by the block") {
        runTest {
            val template = KeyTemplate.of("tenant:{@tenant}:user:{id}")
            withKeyContext("tenant" to "acme") {
                withKeyContext("region" to "eu") { template.renderInContext(mapOf("id" to 1)) } shouldBe
                    "tenant:acme:user:1"
            }
            shouldThrow<KeyTemplateError> { template.renderInContext(mapOf("id" to 1)) }
        }
    }

    test("a template becomes a glob for invalidation") {
        // Glob characters in the template's text are a pattern, as cashews' @cache.invalidate("items:page:*") reads them.
        KeyTemplate.of("user:{id}:*pattern?").toGlob() shouldBe "user:*:*pattern?"
    }

    test("strategies take templates") {
        runTest {
            val cache = Cache("mem://")
            val key = KeyTemplate.of("user:{id}:{name:lower}", parameters = listOf("id", "name"))
            cache.cached(1.hours, key, mapOf("id" to 1, "name" to "ANN")) { "loaded" }
            cache.get<String>("user:1:ann") shouldBe "loaded"
        }
    }

    test("positional arguments bind to placeholders in the order they first appear, remembered or not") {
        runTest {
            val cache = Cache("mem://")
            val page = KeyTemplate.of("page:{site:lower}:{n}:{site}")
            cache.cached(1.hours, page, "EU", 2, tags = listOf("site:{site}")) { "eu-2" } shouldBe "eu-2"
            cache.get<String>("page:eu:2:EU") shouldBe "eu-2"
            cache.deleteTags("site:EU") // the tag was rendered with the same arguments
            cache.get<String>("page:eu:2:EU") shouldBe null

            // An argument of a mutable type is not remembered: each call renders what it holds now.
            val owner = Renamable("ann")
            val byOwner = KeyTemplate.of("owner:{o.name}")
            cache.cached(1.hours, byOwner, owner) { 1 } shouldBe 1
            owner.name = "bea"
            cache.cached(1.hours, byOwner, owner) { 2 } shouldBe 2
            cache.get<Int>("owner:ann") shouldBe 1

            // A template reading the KeyContext renders in the calling coroutine.
            val tenant = KeyTemplate.of("t:{@tenant}:{id}")
            withKeyContext("tenant" to "acme") { cache.cached(1.hours, tenant, 5) { "a" } } shouldBe "a"
            withKeyContext("tenant" to "bolt") { cache.cached(1.hours, tenant, 5) { "b" } } shouldBe "b"
            cache.get<String>("t:acme:5") shouldBe "a"

            shouldThrow<KeyTemplateError> { cache.cached(1.hours, page, "EU") { "x" } }.message shouldContain
                "has 2 placeholder(s) (site, n) but was given 1 positional argument(s)"
        }
    }
})

package io.cashews.java

import io.cashews.Cache
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import java.io.File
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.coroutines.Continuation

/**
 * Kotlin gives a member taking or returning a Kotlin `Duration` a name Java cannot call (`getTtl-UwyO8pc`). Every such
 * public member of a public class must have a Java twin of the plain name and the same arity (a `java.time.Duration`
 * form), be a suspend function (Java uses the Java face instead), a destructuring `componentN`, or be listed below with
 * the Java way to do it. Internal members (`name\$module`) are not Java API.
 */
class JavaNamesSpec : FunSpec({
    val javaWays =
        mapOf(
            "copy" to "data class copies: Java builds a new instance",
            "onLoad" to "JavaEventListener",
            "onLoadFailure" to "JavaEventListener",
            "dynamic" to "JavaCache.dynamic(Class)",
            "requirePositive" to "Java validates java.time.Duration itself; JavaCache validates what it is given",
            "ofSeconds" to "java.time.Duration.ofSeconds",
            "duration" to "BackendSettings is read by backend providers, written in Kotlin",
            "setNow" to "ImmediateWriteBackend is implemented by backends, written in Kotlin",
            "cached" to "JavaCache.cachedFlow and cachedPublisher",
            "cachedFlow" to "JavaCache.cachedFlow and cachedPublisher",
        )

    test("every public member Java sees has a name Java can call") {
        val root =
            File(
                Cache::class.java.protectionDomain.codeSource.location
                    .toURI(),
            )
        val classes =
            root
                .walk()
                .filter { it.isFile && it.extension == "class" && !it.path.contains("${File.separator}internal") }
                .map {
                    it
                        .relativeTo(root)
                        .path
                        .removeSuffix(".class")
                        .replace(File.separatorChar, '.')
                }.map { Class.forName(it, false, Cache::class.java.classLoader) }
                .filter { Modifier.isPublic(it.modifiers) && !it.isSynthetic }
                .toList()
        classes.size shouldBeGreaterThan 100
        val unreachable =
            classes.flatMap { type ->
                type.declaredMethods
                    .filter { Modifier.isPublic(it.modifiers) && !it.isSynthetic && '-' in it.name && '$' !in it.name }
                    .filterNot {
                        it.isSuspend() || it.hasTwin(type) || it.isComponent() ||
                            it.name.substringBefore('-') in javaWays
                    }.map { "${type.name}.${it.name}" }
            }
        withClue("public members Java cannot call, with no Java twin:\n${unreachable.joinToString("\n")}") {
            unreachable.shouldBeEmpty()
        }
    }
})

private fun Method.isSuspend(): Boolean = parameterTypes.lastOrNull() == Continuation::class.java

/** `componentN`: what Kotlin destructuring calls; Java reads the property's getter. */
private fun Method.isComponent(): Boolean = name.matches(Regex("component\\d+-.*"))

private fun Method.hasTwin(type: Class<*>): Boolean {
    val plain = name.substringBefore('-')
    return type.methods.any { it.name == plain && it.parameterCount == parameterCount }
}

package io.cashews.internal.load

import io.cashews.KeyTemplate
import io.cashews.KeyTemplateError
import java.lang.reflect.Field
import java.lang.reflect.Modifier

/**
 * The key of a strategy call made without one: the call site (the compiled class of its block, deterministic for
 * a given source) and the values the block captured, by name, in declaration order. For example the block of
 * `cache.cached(1.hours) { repo.load(id) }` inside `UserService.user(id)` gets a key like
 * `com.acme.UserService$user$1:id:42`.
 *
 * The enclosing instance (`this$0`) is left out on purpose: its identity differs between runs. So are the fields
 * of the coroutine state machine. Values render as in key templates.
 */
internal object DerivedKey {
    private val fieldsByClass =
        object : ClassValue<List<Field>>() {
            override fun computeValue(type: Class<*>): List<Field> =
                type.declaredFields
                    .filter { !Modifier.isStatic(it.modifiers) && it.name.startsWith("$") }
                    .onEach { it.trySetAccessible() }
        }

    fun of(block: Any): String {
        val out = StringBuilder(site(block))
        for (field in fieldsByClass.get(block.javaClass)) {
            out
                .append(
                    ':',
                ).append(field.name.removePrefix("$"))
                .append(':')
                .append(KeyTemplate.format(field.get(block)))
        }
        return out.toString()
    }

    /**
     * The call site of [function]: the name of its compiled class, the same on every run of the same build. A class
     * the JVM names at run time (a Java lambda, a Kotlin lambda compiled through invokedynamic) has no stable name.
     */
    fun site(function: Any): String {
        val type = function.javaClass
        if (type.isHidden || type.name.contains("\$\$Lambda")) {
            throw KeyTemplateError(
                "cannot derive a stable key for a block compiled as ${type.name}: pass a key (or a KeyTemplate) explicitly",
            )
        }
        return type.name
    }

    /**
     * The key template of a function handle bound without one: [function]'s call site, then each of its parameters
     * [names] as `:name:{name}`, as cashews derives a key from a function and its arguments.
     */
    fun template(function: Any, names: List<String>): KeyTemplate =
        KeyTemplate.of(site(function) + names.joinToString("") { ":$it:{$it}" })
}

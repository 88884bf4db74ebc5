package io.cashews.spring.internal

import io.cashews.KeyTemplate
import io.cashews.spring.CashewsExpressionRoot
import org.springframework.context.expression.MethodBasedEvaluationContext
import org.springframework.core.ParameterNameDiscoverer
import org.springframework.expression.Expression
import org.springframework.expression.spel.standard.SpelExpressionParser
import java.lang.reflect.Method

/**
 * A key (or tag) of an annotated method: a cashews [KeyTemplate] over the method's parameter names, in which each
 * `#{…}` is a SpEL expression evaluated against the call (`#id`, `#p0`, `#root.methodName`). Both are checked when
 * the renderer is built: a placeholder that names no parameter, a malformed template or expression fails then.
 */
internal class KeyRenderer(
    template: String,
    private val method: Method,
    /** The method's parameter names, in order (a `suspend` function's continuation excluded). */
    private val names: List<String>,
    private val discoverer: ParameterNameDiscoverer,
) {
    private val expressions: List<Expression>
    private val keyTemplate: KeyTemplate

    init {
        val found = mutableListOf<Expression>()
        val rewritten = StringBuilder()
        var at = 0
        while (true) {
            val start = template.indexOf("#{", at)
            if (start < 0) break
            val end = closing(template, start + 2)
            rewritten
                .append(template, at, start)
                .append('{')
                .append(SPEL)
                .append(found.size)
                .append('}')
            found += PARSER.parseExpression(template.substring(start + 2, end))
            at = end + 1
        }
        rewritten.append(template, at, template.length)
        expressions = found
        keyTemplate = KeyTemplate.of(rewritten.toString(), names + found.indices.map { "$SPEL$it" })
    }

    /** The template as written, for messages. */
    val source: String = template

    /** The cashews template it renders, with each SpEL expression a placeholder of its own. */
    val template: String get() = keyTemplate.template

    /** Whether the template's own text (placeholders aside) has glob characters: a pattern, for `@Invalidate`. */
    val isPattern: Boolean = PLACEHOLDER.replace(keyTemplate.template, "").let { it.contains('*') || it.contains('?') }

    /** The key for a call with [args] (all of the method's arguments) on [target]. */
    fun render(args: Array<Any?>, target: Any?): String = render(values(args, target))

    /** The key for [values], as [values] gives them. */
    fun render(values: Map<String, Any?>): String = keyTemplate.render(values)

    /** The arguments by parameter name, and the SpEL values, as the template (and tag templates) read them. */
    fun values(args: Array<Any?>, target: Any?): Map<String, Any?> {
        if (expressions.isEmpty()) return Arguments(names, args)
        val values = HashMap<String, Any?>(names.size + expressions.size)
        for (i in names.indices) values[names[i]] = args[i]
        val context =
            MethodBasedEvaluationContext(CashewsExpressionRoot(method, args, target), method, args, discoverer)
        expressions.forEachIndexed { i, expression -> values["$SPEL$i"] = expression.getValue(context) }
        return values
    }

    /** The arguments by parameter name, as a view: a call whose key needs no SpEL fills no map. */
    private class Arguments(
        private val names: List<String>,
        private val args: Array<Any?>,
    ) : AbstractMap<String, Any?>() {
        override val entries: Set<Map.Entry<String, Any?>>
            get() =
                names.indices.mapTo(
                    LinkedHashSet(),
                ) { java.util.AbstractMap.SimpleImmutableEntry(names[it], args[it]) }

        override fun containsKey(key: String): Boolean = key in names

        override fun get(key: String): Any? {
            val index = names.indexOf(key)
            return if (index < 0) null else args[index]
        }
    }

    private fun closing(template: String, from: Int): Int {
        var depth = 1
        var at = from
        while (at < template.length) {
            when (template[at]) {
                '{' -> depth++
                '}' -> if (--depth == 0) return at
            }
            at++
        }
        throw IllegalArgumentException("the SpEL expression at ${from - 2} of key '$template' is not closed")
    }

    private companion object {
        const val SPEL = "__spel"
        val PARSER = SpelExpressionParser()
        val PLACEHOLDER = Regex("""\{[^}]*}""")
    }
}

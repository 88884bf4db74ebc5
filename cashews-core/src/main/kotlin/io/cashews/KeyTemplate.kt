package io.cashews

import io.cashews.internal.keys.KeyMemo
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import java.lang.reflect.Method
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.StandardCharsets
import java.security.MessageDigest
import java.util.Base64
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration

/**
 * A key with placeholders: `"user:{id}:{name:lower}"`, rendered from named values.
 *
 * - `{name}` renders a value; `{user.name}` reads a property (a map entry, a getter, a record component or a field);
 *   `{@tenant}` reads the [KeyContext].
 * - Filters follow a colon and chain: `{email:lower:hash(sha256)}`. Built in: `lower`, `upper`, `len`,
 *   `hash(md5|sha1|sha256)` (md5 when no argument) and `jwt(claim)` (a claim of a JWT's payload). Add your own with
 *   [registerFilter].
 * - Values render as: `null` → empty, collections and arrays → elements joined by `:`, maps → `k:v` pairs sorted by
 *   key, byte arrays → UTF-8 text (hex when not valid UTF-8), exceptions → `Class:message`, anything else →
 *   `toString()`, unless a formatter is registered for its class ([registerFormatter]).
 * - `{{` and `}}` stand for literal braces.
 *
 * A template fails when built ([of]), naming the problem: a malformed placeholder, an unknown filter, or, when
 * the allowed [parameters] are given, a placeholder that is not one of them. Rendering fails when a value or a
 * property is missing, rather than render an empty string that could make two keys collide.
 */
public class KeyTemplate private constructor(
    /** The template as written. */
    public val template: String,
    private val parts: List<Part>,
) {
    /** The names the template reads from the values given to [render] (`@` names excluded). */
    public val placeholders: Set<String> =
        parts
            .filterIsInstance<Part.Placeholder>()
            .map { it.path.first() }
            .filter { !it.startsWith("@") }
            .toSet()

    /** Whether the template reads the [KeyContext] (`{@name}` placeholders): its keys then depend on the coroutine. */
    internal val readsContext: Boolean =
        parts.any { it is Part.Placeholder && it.path.first().startsWith("@") }

    /** The [placeholders] in the order they first appear: the names positional arguments bind to. */
    private val order: List<String> = placeholders.toList()

    // Made on the first positional call: templates built for one render (tags on a miss) never pay for it.
    private val memo: KeyMemo by lazy(LazyThreadSafetyMode.PUBLICATION) {
        KeyMemo { a, b, c, d -> render(positional(order.size, a, b, c, d), emptyMap()) }
    }

    /**
     * The key for [arity] positional arguments (those past it `null`) bound to the placeholders in the order they first
     * appear, remembered so that arguments seen before render without allocating ([KeyMemo]); `null` when it must be
     * rendered in the calling coroutine ([renderPositional]): a template reading the [KeyContext], or an argument of a
     * type that is not remembered. A [KeyTemplateError] when [arity] is not the number of placeholders. An in-memory
     * backend remembers the entry it reads through the key ([RememberedKey]).
     */
    @PublishedApi
    @InternalCacheApi
    internal fun rememberedKey(arity: Int, a: Any?, b: Any?, c: Any?, d: Any?): RememberedKey? {
        if (arity != order.size) throw arityError(arity)
        return if (readsContext) null else memo.remembered(a, b, c, d)
    }

    // The policy of the last untagged positional call: calls from one site repeat their settings, so a hit that is
    // not answered in memory (a remote backend, an interceptor) reuses it instead of building one. Policies are
    // immutable, so a racy publication is safe.
    private var lastPolicy: CachedPolicy? = null

    /** A `cached` policy of [ttl] and [condition] without tags, the same object as the last call's when they match. */
    @PublishedApi
    @JvmName("untaggedPolicy")
    internal fun untaggedPolicy(ttl: Duration, condition: CacheCondition): CachedPolicy {
        val last = lastPolicy
        if (last != null && last.condition === condition && (last.ttl as TtlRule.Fixed).ttl == ttl) return last
        return CachedPolicy(TtlRule.Fixed(ttl), condition = condition).also { lastPolicy = it }
    }

    /** The key for positional arguments, rendered now with the current [KeyContext]: see [rememberedKey]. */
    @PublishedApi
    internal suspend fun renderPositional(arity: Int, a: Any?, b: Any?, c: Any?, d: Any?): String =
        renderInContext(positional(arity, a, b, c, d))

    /** The positional arguments by placeholder name, as [render] reads them (and tag templates). */
    @PublishedApi
    internal fun positional(arity: Int, a: Any?, b: Any?, c: Any?, d: Any?): Map<String, Any?> {
        if (arity != order.size) throw arityError(arity)
        return when (arity) {
            0 -> emptyMap()
            1 -> mapOf(order[0] to a)
            2 -> mapOf(order[0] to a, order[1] to b)
            3 -> mapOf(order[0] to a, order[1] to b, order[2] to c)
            else -> mapOf(order[0] to a, order[1] to b, order[2] to c, order[3] to d)
        }
    }

    private fun arityError(arity: Int): KeyTemplateError {
        val names = order.joinToString(prefix = "(", postfix = ")")
        return KeyTemplateError(
            "key template '$template' has ${order.size} placeholder(s) $names but was given $arity positional argument(s)",
        )
    }

    /** The key for [values]. */
    public fun render(values: Map<String, Any?>): String = render(values, emptyMap())

    /** The key for [values], reading `{@name}` placeholders from the current [KeyContext]. */
    public suspend fun renderInContext(values: Map<String, Any?>): String =
        render(values, currentCoroutineContext()[KeyContext]?.values ?: emptyMap())

    /**
     * A Redis glob matching every key this template renders: each placeholder becomes `*`. Glob characters written in
     * the template's own text (`items:*`, `page:?`) are kept as glob characters, as cashews' `invalidate` reads them.
     */
    public fun toGlob(): String = toGlob(emptyMap(), emptyMap())

    /**
     * A Redis glob matching the keys this template renders with [values]: placeholders with a value are rendered
     * (glob characters in the values escaped: they stay literal), the others become `*`; the template's own text is
     * the pattern as written.
     */
    internal fun toGlob(values: Map<String, Any?>, context: Map<String, Any?>): String =
        parts.joinToString("") { part ->
            when (part) {
                is Part.Text -> {
                    part.text
                }

                is Part.Placeholder -> {
                    val root = part.path.first()
                    val known =
                        if (root.startsWith(
                                "@",
                            )
                        ) {
                            context.containsKey(root.drop(1))
                        } else {
                            values.containsKey(root)
                        }
                    if (known) escapeGlob(renderPart(part, values, context)) else "*"
                }
            }
        }

    private fun escapeGlob(text: String): String = text.replace(GLOB_SPECIAL) { "\\" + it.value }

    override fun toString(): String = template

    internal fun render(values: Map<String, Any?>, context: Map<String, Any?>): String {
        val out = StringBuilder(template.length + 16)
        for (part in parts) {
            when (part) {
                is Part.Text -> {
                    out.append(part.text)
                }

                is Part.Placeholder -> {
                    out.append(renderPart(part, values, context))
                }
            }
        }
        return out.toString()
    }

    private fun renderPart(part: Part.Placeholder, values: Map<String, Any?>, context: Map<String, Any?>): String {
        var text = format(resolve(part, values, context))
        for (filter in part.filters) text = filter.run(text, part)
        return text
    }

    private fun resolve(part: Part.Placeholder, values: Map<String, Any?>, context: Map<String, Any?>): Any? {
        val root = part.path.first()
        val source = if (root.startsWith("@")) context else values
        val name = root.removePrefix("@")
        if (!source.containsKey(name)) {
            throw KeyTemplateError("key template '$template' has no value for placeholder '${part.text}'")
        }
        var value = source[name]
        for (property in part.path.drop(1)) value = property(value, property, part)
        return value
    }

    private fun property(owner: Any?, name: String, part: Part.Placeholder): Any? {
        if (owner is Map<*, *>) {
            if (!owner.containsKey(
                    name,
                )
            ) {
                throw KeyTemplateError("key template '$template': '${part.text}' has no entry '$name'")
            }
            return owner[name]
        }
        if (owner == null) throw KeyTemplateError("key template '$template': '${part.text}' reads '$name' of null")
        val accessor =
            accessors.computeIfAbsent(
                owner.javaClass to name,
            ) { (type, property) -> Accessor.find(type, property) }
        if (accessor === Accessor.NONE) {
            throw KeyTemplateError(
                "key template '$template': ${owner.javaClass.name} has no property '$name' for '${part.text}'",
            )
        }
        return accessor.read(owner)
    }

    private sealed class Part {
        class Text(
            val text: String,
        ) : Part()

        class Placeholder(
            val text: String,
            val path: List<String>,
            val filters: List<AppliedFilter>,
        ) : Part()
    }

    private class AppliedFilter(
        val name: String,
        val args: List<String>,
    ) {
        fun run(value: String, part: Part.Placeholder): String {
            val filter = filters[name] ?: throw KeyTemplateError("unknown key filter '$name' in '${part.text}'")
            return try {
                filter.apply(value, args)
            } catch (e: KeyTemplateError) {
                throw e
            } catch (e: Exception) {
                throw KeyTemplateError("key filter '$name' failed on '${part.text}': ${e.message}", e)
            }
        }
    }

    /** How to read a property of a class: a getter, a record-style accessor or a field. */
    private class Accessor(
        private val method: Method?,
        private val field: java.lang.reflect.Field?,
    ) {
        fun read(owner: Any): Any? = method?.invoke(owner) ?: field?.get(owner)

        companion object {
            /** Cached for properties that do not exist (a concurrent map holds no nulls). */
            val NONE = Accessor(null, null)

            fun find(type: Class<*>, name: String): Accessor {
                val capital = name.replaceFirstChar { it.uppercaseChar() }
                for (candidate in listOf("get$capital", "is$capital", name)) {
                    val method = runCatching { type.getMethod(candidate) }.getOrNull()
                    if (method != null &&
                        method.parameterCount == 0
                    ) {
                        return Accessor(method.apply { trySetAccessible() }, null)
                    }
                }
                var current: Class<*>? = type
                while (current != null) {
                    val field = runCatching { current.getDeclaredField(name) }.getOrNull()
                    if (field != null && field.trySetAccessible()) return Accessor(null, field)
                    current = current.superclass
                }
                return NONE
            }
        }
    }

    public companion object {
        private val filters = ConcurrentHashMap<String, KeyFilter>()
        private val formatters = ConcurrentHashMap<Class<*>, (Any) -> String>()
        private val accessors = ConcurrentHashMap<Pair<Class<*>, String>, Accessor>()
        private val GLOB_SPECIAL = Regex("""[*?\[\]\\]""")
        private val NAME = Regex("""@?[A-Za-z_][A-Za-z0-9_]*""")
        private val FILTER = Regex("""([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?""")

        init {
            filters["lower"] = KeyFilter { value, _ -> value.lowercase() }
            filters["upper"] = KeyFilter { value, _ -> value.uppercase() }
            filters["len"] = KeyFilter { value, _ -> value.length.toString() }
            filters["hash"] = KeyFilter { value, args -> hash(value, args.firstOrNull()?.ifEmpty { null } ?: "md5") }
            filters["jwt"] =
                KeyFilter { value, args ->
                    jwtClaim(
                        value,
                        args.firstOrNull() ?: throw KeyTemplateError("jwt needs a claim name"),
                    )
                }
        }

        /**
         * Builds a template from [template]; with [parameters], every placeholder (but `{@…}` context ones) must be
         * one of them.
         *
         * @throws KeyTemplateError naming the malformed part, the unknown filter or the unknown placeholder.
         */
        @JvmStatic
        @JvmOverloads
        public fun of(template: String, parameters: Collection<String>? = null): KeyTemplate {
            val parts = parse(template)
            for (placeholder in parts.filterIsInstance<Part.Placeholder>()) {
                val root = placeholder.path.first()
                if (parameters != null && !root.startsWith("@") && root !in parameters) {
                    throw KeyTemplateError(
                        "key template '$template' uses unknown placeholder '$root'; known: ${parameters.joinToString()}",
                    )
                }
                placeholder.filters.firstOrNull { !filters.containsKey(it.name) }?.let {
                    throw KeyTemplateError("key template '$template' uses unknown filter '${it.name}'")
                }
            }
            return KeyTemplate(template, parts)
        }

        /** Adds (or replaces) the filter [name], usable in every template built afterwards. */
        @JvmStatic
        public fun registerFilter(name: String, filter: KeyFilter) {
            require(FILTER.matches(name) && !name.contains('(')) { "filter name '$name' must be an identifier" }
            filters[name] = filter
        }

        /** Renders values of [type] (and its subclasses) with [format]. */
        @JvmStatic
        public fun <T : Any> registerFormatter(type: Class<T>, format: (T) -> String) {
            @Suppress("UNCHECKED_CAST")
            formatters[type] = format as (Any) -> String
        }

        internal fun format(value: Any?): String {
            if (value == null) return ""
            formatterFor(value.javaClass)?.let { return it(value) }
            return when (value) {
                is String -> {
                    value
                }

                is ByteArray -> {
                    utf8OrHex(value)
                }

                is Map<*, *> -> {
                    value.entries
                        .sortedBy {
                            it.key.toString()
                        }.joinToString(":") { "${format(it.key)}:${format(it.value)}" }
                }

                is Iterable<*> -> {
                    value.joinToString(":") { format(it) }
                }

                is Array<*> -> {
                    value.joinToString(":") { format(it) }
                }

                is Throwable -> {
                    "${value.javaClass.simpleName}:${value.message}"
                }

                else -> {
                    value.toString()
                }
            }
        }

        private fun formatterFor(type: Class<*>): ((Any) -> String)? =
            formatters[type] ?: formatters.entries.firstOrNull { it.key.isAssignableFrom(type) }?.value

        private fun parse(template: String): List<Part> {
            val parts = ArrayList<Part>()
            val text = StringBuilder()
            var i = 0
            while (i < template.length) {
                val c = template[i]
                when {
                    c == '{' && template.startsWith("{{", i) -> {
                        text.append('{').also { i += 2 }
                    }

                    c == '}' && template.startsWith("}}", i) -> {
                        text.append('}').also { i += 2 }
                    }

                    c == '}' -> {
                        throw KeyTemplateError("key template '$template' has an unmatched '}' at $i")
                    }

                    c == '{' -> {
                        val end = template.indexOf('}', i)
                        if (end < 0) throw KeyTemplateError("key template '$template' has an unclosed '{' at $i")
                        if (text.isNotEmpty()) parts += Part.Text(text.toString()).also { text.clear() }
                        parts += placeholder(template, template.substring(i + 1, end))
                        i = end + 1
                    }

                    else -> {
                        text.append(c).also { i++ }
                    }
                }
            }
            if (text.isNotEmpty()) parts += Part.Text(text.toString())
            return parts
        }

        private fun placeholder(template: String, body: String): Part.Placeholder {
            val pieces = splitFilters(body)
            val path = pieces.first().split('.')
            if (path.first().isEmpty() || !NAME.matches(path.first()) ||
                path.drop(1).any { !NAME.matches(it) || it.startsWith("@") }
            ) {
                throw KeyTemplateError("key template '$template' has a malformed placeholder '{$body}'")
            }
            val applied =
                pieces.drop(1).map { spec ->
                    val match =
                        FILTER.matchEntire(spec)
                            ?: throw KeyTemplateError("key template '$template' has a malformed filter '$spec'")
                    val args =
                        match.groupValues[2]
                            .takeIf { it.isNotEmpty() }
                            ?.split(',')
                            ?.map { it.trim() } ?: emptyList()
                    AppliedFilter(match.groupValues[1], args)
                }
            return Part.Placeholder("{$body}", path, applied)
        }

        // Splits "name:f1(a,b):f2" on the colons outside parentheses.
        private fun splitFilters(body: String): List<String> {
            val out = ArrayList<String>()
            var depth = 0
            var start = 0
            for ((i, c) in body.withIndex()) {
                when (c) {
                    '(' -> depth++
                    ')' -> depth--
                    ':' -> if (depth == 0) out += body.substring(start, i).also { start = i + 1 }
                }
            }
            out += body.substring(start)
            return out
        }

        private fun hash(value: String, algorithm: String): String {
            val jca =
                when (algorithm.lowercase()) {
                    "md5" -> "MD5"
                    "sha1" -> "SHA-1"
                    "sha256" -> "SHA-256"
                    else -> throw KeyTemplateError("hash filter supports md5, sha1 and sha256, not '$algorithm'")
                }
            return MessageDigest
                .getInstance(
                    jca,
                ).digest(value.encodeToByteArray())
                .joinToString("") { "%02x".format(it) }
        }

        private fun jwtClaim(token: String, claim: String): String {
            val segments = token.split('.')
            if (segments.size < 2) throw KeyTemplateError("jwt filter: the value is not a JWT")
            val payload =
                try {
                    String(
                        Base64.getUrlDecoder().decode(segments[1].replace('+', '-').replace('/', '_').trimEnd('=')),
                        StandardCharsets.UTF_8,
                    )
                } catch (e: IllegalArgumentException) {
                    throw KeyTemplateError("jwt filter: the payload is not base64", e)
                }
            val json =
                try {
                    Json.parseToJsonElement(payload).jsonObject
                } catch (e: Exception) {
                    throw KeyTemplateError("jwt filter: the payload is not a JSON object", e)
                }
            val value = json[claim] ?: throw KeyTemplateError("jwt filter: no claim '$claim'")
            return if (value is JsonPrimitive) value.content else value.toString()
        }

        private fun utf8OrHex(bytes: ByteArray): String =
            try {
                StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString()
            } catch (e: CharacterCodingException) {
                bytes.joinToString("") { "%02x".format(it) }
            }
    }
}

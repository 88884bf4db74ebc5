package io.cashews.internal.load

import io.cashews.KeyContext
import io.cashews.KeyTemplate
import kotlinx.coroutines.currentCoroutineContext

/**
 * Tags given as key templates, rendered with a call's arguments and the current [KeyContext] on first read: only a
 * load reads them, so a hit neither parses nor renders them.
 */
internal class RenderedTags private constructor(
    private val templates: Collection<String>,
    args: Map<String, Any?>,
    context: Map<String, Any?>,
) : AbstractCollection<String>() {
    private val rendered by lazy { templates.map { KeyTemplate.of(it).render(args, context) } }

    override val size: Int get() = templates.size

    override fun iterator(): Iterator<String> = rendered.iterator()

    companion object {
        /** [tags] rendered with [args] (and the current [KeyContext]) when read; [tags] itself when empty. */
        suspend fun of(tags: Collection<String>, args: Map<String, Any?>): Collection<String> {
            if (tags.isEmpty()) return tags
            val context = currentCoroutineContext()[KeyContext]?.values ?: emptyMap()
            return RenderedTags(tags, args, context)
        }
    }
}

package io.cashews.examples

import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/** What the fake upstream answers. */
@Serializable
public data class Quote(
    val what: String,
    val value: Int,
)

/** Thrown by the fake upstream while it is failing. */
public class UpstreamDown : Exception("the upstream is down")

/**
 * A deliberately slow upstream: every call takes [latency] and is counted, so the examples can show what each
 * strategy saves. [failing] makes every call throw [UpstreamDown].
 */
public class FakeUpstream(
    private val latency: Duration = 100.milliseconds,
) {
    private val counter = AtomicInteger()

    /** Whether calls fail. */
    @Volatile
    public var failing: Boolean = false

    /** How many calls were made. */
    public val calls: Int get() = counter.get()

    /** One slow call for [what]. */
    public suspend fun fetch(what: String): Quote {
        delay(latency)
        val n = counter.incrementAndGet()
        if (failing) throw UpstreamDown()
        return Quote(what, n)
    }
}

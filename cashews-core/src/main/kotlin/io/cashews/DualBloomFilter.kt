package io.cashews

/**
 * Two Bloom filters that learn the answers of a yes-or-no check as it is asked, without filling in advance: one
 * holds the elements that answered `true`, the other those that answered `false`.
 *
 * [check] answers from the filters when exactly one of them knows the element, and asks the real check (and
 * records its answer) when neither does. When both claim it (a false positive in one of them) it asks the real
 * check without recording. With [noCollisions], an answer is recorded only when none of the element's bits is set
 * yet in its filter, so no recorded element shares a bit with another and a filter never claims an element it was
 * not given through a collision of recorded ones; the price is more checks of elements whose bits collide.
 *
 * Made by [Cache.dualBloom].
 */
public class DualBloomFilter internal constructor(
    /** The elements whose check answered `true`. */
    public val yes: BloomFilter,
    /** The elements whose check answered `false`. */
    public val no: BloomFilter,
    /** Whether an answer is recorded only for an element none of whose bits is set yet in its filter. */
    public val noCollisions: Boolean = false,
) {
    /** [check]'s answer for [element], from the filters when they know it. */
    public suspend fun check(element: String, check: suspend () -> Boolean): Boolean {
        val maybeYes = yes.mightContain(element)
        val maybeNo = no.mightContain(element)
        if (maybeYes != maybeNo) return maybeYes
        val answer = check()
        if (!maybeYes) {
            val filter = if (answer) yes else no
            if (noCollisions) filter.addIfClear(element) else filter.add(element)
        }
        return answer
    }

    override fun toString(): String = "DualBloomFilter(${yes.key}, ${no.key})"
}

/**
 * A [DualBloomFilter] named [name], stored at `"$prefix:$name:true:…"` and `"$prefix:$name:false:…"`. The filter of
 * `true` answers is sized for [capacity] elements at [falsePositives] (see [bloom]); that of `false` answers for
 * [noCapacity] at [noFalsePositives], the same unless given, as the reference's `(true, false)` pairs allow: a check
 * that mostly answers `false` wants its `false` side larger. See [DualBloomFilter] for [noCollisions].
 */
public fun Cache.dualBloom(
    name: String,
    capacity: Long,
    falsePositives: Double = 0.01,
    prefix: String = "dual_bloom",
    noCapacity: Long = capacity,
    noFalsePositives: Double = falsePositives,
    noCollisions: Boolean = false,
): DualBloomFilter =
    DualBloomFilter(
        bloom("$name:true", capacity, falsePositives, checkFalsePositive = false, prefix = prefix),
        bloom("$name:false", noCapacity, noFalsePositives, checkFalsePositive = false, prefix = prefix),
        noCollisions,
    )

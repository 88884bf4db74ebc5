package io.cashews

/**
 * Two Bloom filters that learn the answers of a yes-or-no check as it is asked, without filling in advance: one
 * holds the elements that answered `true`, the other those that answered `false`.
 *
 * [check] answers from the filters when exactly one of them knows the element, and asks the real check (and
 * records its answer) when neither does. When both claim it (a false positive in one of them) it asks the real
 * check without recording.
 *
 * Made by [Cache.dualBloom].
 */
public class DualBloomFilter internal constructor(
    /** The elements whose check answered `true`. */
    public val yes: BloomFilter,
    /** The elements whose check answered `false`. */
    public val no: BloomFilter,
) {
    /** [check]'s answer for [element], from the filters when they know it. */
    public suspend fun check(element: String, check: suspend () -> Boolean): Boolean {
        val maybeYes = yes.mightContain(element)
        val maybeNo = no.mightContain(element)
        if (maybeYes != maybeNo) return maybeYes
        val answer = check()
        if (!maybeYes) (if (answer) yes else no).add(element)
        return answer
    }

    override fun toString(): String = "DualBloomFilter(${yes.key}, ${no.key})"
}

/**
 * A [DualBloomFilter] named [name], each of its filters sized for [capacity] elements at [falsePositives] (see
 * [bloom]), stored at `"$prefix:$name:true:…"` and `"$prefix:$name:false:…"`.
 */
public fun Cache.dualBloom(
    name: String,
    capacity: Long,
    falsePositives: Double = 0.01,
    prefix: String = "dual_bloom",
): DualBloomFilter =
    DualBloomFilter(
        bloom("$name:true", capacity, falsePositives, checkFalsePositive = false, prefix = prefix),
        bloom("$name:false", capacity, falsePositives, checkFalsePositive = false, prefix = prefix),
    )

package io.cashews

/** A filter of key templates (`{name:myfilter(arg1,arg2)}`): turns the rendered value into another string. */
public fun interface KeyFilter {
    /** The filtered form of [value], given the filter's [args] as written in the template. */
    public fun apply(value: String, args: List<String>): String
}

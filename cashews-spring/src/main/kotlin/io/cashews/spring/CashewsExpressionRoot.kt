package io.cashews.spring

import java.lang.reflect.Method

/**
 * What a SpEL expression in a cashews annotation sees as `#root`: the method, the call's arguments and the bean.
 * Arguments are also variables by name (`#id`) and position (`#p0`, `#a0`); `#result` and `#key` where documented.
 */
public class CashewsExpressionRoot internal constructor(
    /** The annotated method. */
    public val method: Method,
    /** The call's arguments. */
    public val args: Array<Any?>,
    /** The bean the method was called on. */
    public val target: Any?,
) {
    /** The method's name. */
    public val methodName: String get() = method.name
}

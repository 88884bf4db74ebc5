package io.cashews.java

import kotlin.reflect.KClass

/** The exception classes a Java builder names, as the Kotlin policies take them; at least one. */
internal fun exceptionSet(exceptions: Array<out Class<out Throwable>>): Set<KClass<out Throwable>> {
    require(exceptions.isNotEmpty()) { "exceptions: name at least one exception class" }
    return exceptions.mapTo(LinkedHashSet()) { it.kotlin }
}

package io.cashews.internal.value

import kotlinx.serialization.descriptors.SerialDescriptor

/**
 * The canonical shape of a serial descriptor: names, kinds, element names, optionality and element shapes,
 * recursively. Recursive types stop at the first repeat on the current path, so the walk always ends.
 */
internal fun fingerprintOf(descriptor: SerialDescriptor): String {
    val out = StringBuilder()
    appendShape(descriptor, out, ArrayList())
    return out.toString()
}

private fun appendShape(descriptor: SerialDescriptor, out: StringBuilder, path: MutableList<String>) {
    out.append(descriptor.serialName).append('/').append(descriptor.kind)
    if (descriptor.isNullable) out.append('?')
    if (descriptor.serialName in path || path.size > MAX_DEPTH) return
    path += descriptor.serialName
    out.append('(')
    for (i in 0 until descriptor.elementsCount) {
        out.append(descriptor.getElementName(i))
        if (descriptor.isElementOptional(i)) out.append('=')
        out.append(':')
        appendShape(descriptor.getElementDescriptor(i), out, path)
        out.append(',')
    }
    out.append(')')
    path.removeAt(path.size - 1)
}

private const val MAX_DEPTH = 32

/** 64-bit FNV-1a of [text] as 16 hex digits: short, stable across JVMs and releases. */
internal fun fnv64Hex(text: String): String {
    var hash = -0x340d631b7bdddcdbL
    for (byte in text.encodeToByteArray()) {
        hash = hash xor (byte.toLong() and 0xff)
        hash *= 0x100000001b3L
    }
    return java.lang.Long
        .toHexString(hash)
        .padStart(16, '0')
}

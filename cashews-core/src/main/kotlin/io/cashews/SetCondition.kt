package io.cashews

/** When a `set` writes: always, only over an existing live key (Redis `XX`), or only when absent (Redis `NX`). */
public enum class SetCondition {
    /** Write unconditionally. */
    ALWAYS,

    /** Write only if the key exists and has not expired (`XX`). */
    IF_EXISTS,

    /** Write only if the key is missing or expired (`NX`). */
    IF_ABSENT,
}

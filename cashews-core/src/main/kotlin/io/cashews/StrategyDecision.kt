package io.cashews

/**
 * What a strategy does with a call, given what is stored ([StrategyPolicy.decide]): the seam between a strategy's
 * rules and the one executor that carries them out (single-flight, leases, storing, events). Core's strategies, the
 * Ktor response strategies and every other face of the library decide through it.
 */
@InternalCacheApi
public enum class StrategyDecision {
    /** Answer with the stored value. */
    SERVE,

    /** Answer with the stored value and refresh it in the background (early past its fresh period, hit's update). */
    SERVE_AND_REFRESH,

    /** Load in the foreground, once for every concurrent caller of the key, and store the result. */
    LOAD,

    /** Load; when the load fails with one of the strategy's exceptions, answer with the stored value instead. */
    LOAD_OR_SERVE_STALE,

    /** Load under a lock every process sharing the backend takes: one load cluster-wide. */
    LOAD_UNDER_LOCK,
}

package io.cashews

/**
 * The kinds of backend command, one per [Backend] method and capability method: what [Cache.disable],
 * [Cache.callback] and interceptors ([CacheCommand.kind]) select commands by.
 */
public enum class Command {
    GET,
    GET_MANY,
    SET,
    SET_MANY,
    DELETE,
    DELETE_MANY,
    DELETE_MATCH,
    SCAN,
    EXISTS,
    EXPIRE,
    TTL,
    INCR,
    SIZE_OF,
    KEYS_COUNT,
    PING,
    CLEAR,
    SET_LOCK,
    UNLOCK,
    RENEW_LOCK,
    GET_BITS,
    INCR_BITS,
    SLICE_INCR,
    TAKE_TOKENS,
    SET_ADD,
    SET_REMOVE,
    SET_POP,
    SET_MEMBERS,
}

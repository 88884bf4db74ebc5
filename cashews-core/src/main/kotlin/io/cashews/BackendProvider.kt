package io.cashews

/**
 * Contributes backends for URL schemes to [Cache.setup]. Modules register an implementation under
 * `META-INF/services/io.cashews.BackendProvider`, so `Cache.setup("redis://…")` works as soon as the module is on
 * the classpath.
 */
public interface BackendProvider {
    /** The URL schemes this provider builds backends for, lower case (`"redis"`, `"rediss"`). */
    public val schemes: Set<String>

    /**
     * Builds a backend from [settings]. Read every parameter through [settings]: parameters left unread are reported
     * to the user as unknown.
     */
    public fun create(settings: BackendSettings): Backend
}

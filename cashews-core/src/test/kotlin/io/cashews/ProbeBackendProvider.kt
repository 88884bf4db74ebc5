package io.cashews

/** A provider registered through META-INF/services in the test classpath, standing in for another module's. */
class ProbeBackendProvider : BackendProvider {
    override val schemes: Set<String> = setOf("probe")

    override fun create(settings: BackendSettings): Backend =
        MemoryBackend(size = settings.long("size", 100, 1..Long.MAX_VALUE), timeSource = settings.timeSource)
}

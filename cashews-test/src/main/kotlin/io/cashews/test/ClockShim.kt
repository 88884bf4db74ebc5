package io.cashews.test

import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * The controlled-clock library preloaded into test servers (see [RedisProcess.startWithControlledClock]): built once
 * per JVM from the C source shipped beside this class, with the machine's `cc`.
 */
internal object ClockShim {
    private const val SOURCE = "cashews-clock.c"
    private const val COMPILE_SECONDS = 60L

    /** The built library's path, or why it could not be built. */
    val library: Result<String> by lazy { runCatching { build() } }

    private fun build(): String {
        val compiler =
            listOf("cc", "gcc", "clang").firstNotNullOfOrNull(::onPath)
                ?: throw IllegalStateException(
                    "no C compiler on PATH (cc, gcc or clang) to build the clock shim: apt-get install gcc",
                )
        val dir = Files.createTempDirectory("cashews-clock").toFile().apply { deleteOnExit() }
        val source = File(dir, SOURCE)
        val resource = ClockShim::class.java.getResourceAsStream(SOURCE) ?: error("$SOURCE is missing from the jar")
        resource.use { input -> source.outputStream().use(input::copyTo) }
        val library = File(dir, "libcashews-clock.so")
        val log = File(dir, "cc.log")
        val compile =
            ProcessBuilder(compiler, "-shared", "-fPIC", "-O2", "-o", library.path, source.path)
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start()
        check(compile.waitFor(COMPILE_SECONDS, TimeUnit.SECONDS) && compile.exitValue() == 0) {
            "the clock shim did not build with $compiler: ${log.readText().take(2_000)}"
        }
        listOf(source, library, log).forEach(File::deleteOnExit)
        return library.path
    }

    private fun onPath(name: String): String? =
        System
            .getenv("PATH")
            ?.split(File.pathSeparator)
            ?.map { File(it, name) }
            ?.firstOrNull { it.canExecute() }
            ?.path
}

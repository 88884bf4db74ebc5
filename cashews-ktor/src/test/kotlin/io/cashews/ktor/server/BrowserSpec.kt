package io.cashews.ktor.server

import io.cashews.Cache
import io.kotest.core.annotation.Condition
import io.kotest.core.annotation.EnabledIf
import io.kotest.core.spec.Spec
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.createApplicationPlugin
import io.ktor.server.application.hooks.ResponseSent
import io.ktor.server.application.install
import io.ktor.server.request.path
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.reflect.KClass

/** Where headless Chromium is, or `null`. */
private fun chromium(): String? =
    listOf("chromium", "chromium-browser", "google-chrome")
        .flatMap { name ->
            System
                .getenv("PATH")
                .orEmpty()
                .split(':')
                .map { java.io.File(it, name) }
        }.firstOrNull { it.canExecute() }
        ?.path

/** Runs the browser spec only where Chromium is installed; elsewhere says why and skips it. */
class ChromiumAvailable : Condition {
    override fun evaluate(kclass: KClass<out Spec>): Boolean {
        if (chromium() != null) return true
        System.err.println("${kclass.simpleName} skipped: no chromium on the PATH (.ci/run installs Debian's chromium)")
        return false
    }
}

private const val PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
(async () => {
  const first = await (await fetch('/data', {cache: 'no-cache'})).text();
  const second = await (await fetch('/data', {cache: 'no-cache'})).text();
  document.getElementById('out').textContent = 'loaded twice, same: ' + (first === second) + ', ' + second;
})();
</script></body></html>"""

@EnabledIf(ChromiumAvailable::class)
class BrowserSpec : FunSpec({
    test(
        "headless Chromium loads a cached resource twice: the second load revalidates with If-None-Match and gets 304",
    ) {
        val statuses = CopyOnWriteArrayList<HttpStatusCode>()
        val profile = Files.createTempDirectory("cashews-chromium")
        try {
            browserRun(profile, statuses)
        } finally {
            profile.toFile().deleteRecursively()
        }
    }
})

/** Serves the page and the cached resource, and lets Chromium load the page with its profile in [profile]. */
private fun browserRun(profile: java.nio.file.Path, statuses: MutableList<HttpStatusCode>) {
    withLoopbackServer({
        install(
            createApplicationPlugin("RecordStatuses") {
                on(ResponseSent) { call ->
                    if (call.request.path() ==
                        "/data"
                    ) {
                        call.response.status()?.let(statuses::add)
                    }
                }
            },
        )
        install(Cashews) { cache = Cache("mem://") }
        routing {
            get("/") { call.respondText(PAGE, ContentType.Text.Html) }
            cached("5m") { get("/data") { call.respondText("the data") } }
        }
    }) { port ->
        val browser =
            ProcessBuilder(
                chromium(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--user-data-dir=$profile",
                "--virtual-time-budget=10000",
                "--dump-dom",
                "http://127.0.0.1:$port/",
            ).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        // Bounded: the virtual time budget ends the page; a browser still running after a minute is stopped.
        val exited = browser.waitFor(60, TimeUnit.SECONDS)
        if (!exited) browser.destroyForcibly()
        exited shouldBe true
        val dom = browser.inputStream.bufferedReader().readText()
        dom shouldContain "loaded twice, same: true, the data"
        statuses shouldBe listOf(HttpStatusCode.OK, HttpStatusCode.NotModified)
    }
}

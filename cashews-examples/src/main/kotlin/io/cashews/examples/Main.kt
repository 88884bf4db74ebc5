package io.cashews.examples

import io.cashews.Cache
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer

/**
 * `tour` runs the scenarios and exits; anything else (or nothing) serves the example service on 127.0.0.1:`PORT`
 * (default 8080). `CASHEWS_URL` picks the backend: `mem://` by default, `redis://localhost`, `disk://?directory=…`.
 */
public object Main {
    /** Runs the tour when the first argument is `tour`, else serves the example service until stopped. */
    @JvmStatic
    public fun main(args: Array<String>) {
        val url = System.getenv("CASHEWS_URL") ?: "mem://?size=10000"
        if (args.firstOrNull() == "tour") {
            Tour.run(url)
            return
        }
        val port = System.getenv("PORT")?.toIntOrNull() ?: DEFAULT_PORT
        println("example service on http://127.0.0.1:$port with $url; try /users/1, /rates, /page, /search")
        embeddedServer(
            CIO,
            host = "127.0.0.1",
            port = port,
        ) { exampleService(Cache(url), FakeUpstream()) }.start(wait = true)
    }

    private const val DEFAULT_PORT = 8080
}

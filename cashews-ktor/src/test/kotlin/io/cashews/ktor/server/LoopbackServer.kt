package io.cashews.ktor.server

import io.ktor.server.application.Application
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import kotlinx.coroutines.runBlocking

/** Runs [body] with a CIO server for [module] on 127.0.0.1 and a free port (given to [body]), stopped afterwards. */
internal fun <T> withLoopbackServer(module: Application.() -> Unit, body: (port: Int) -> T): T {
    val server = embeddedServer(CIO, host = "127.0.0.1", port = 0, module = module).start(wait = false)
    try {
        val port =
            runBlocking {
                server.engine
                    .resolvedConnectors()
                    .single()
                    .port
            }
        return body(port)
    } finally {
        server.stop(0, 1_000)
    }
}

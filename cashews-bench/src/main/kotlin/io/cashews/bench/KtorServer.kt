package io.cashews.bench

import io.cashews.Cache
import io.cashews.ktor.server.Cashews
import io.cashews.ktor.server.cached
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Semaphore
import kotlin.time.Duration.Companion.milliseconds

/**
 * The server and load generator of [KtorBenchmark]: a CIO server on 127.0.0.1 with three routes answering the same
 * 1 KB text (a constant handler, the same handler cached by the plugin, and an uncached handler that first waits
 * 10 ms as a backend call would), and a JDK HTTP client keeping a bounded number of requests in flight.
 */
public class KtorServer : AutoCloseable {
    private val body = "x".repeat(1024)
    private val server: EmbeddedServer<*, *> =
        embeddedServer(CIO, host = "127.0.0.1", port = 0) {
            install(Cashews) { cache = Cache("mem://?size=10000") }
            routing {
                get("/constant") { call.respondText(body) }
                get("/backend") {
                    delay(10.milliseconds)
                    call.respondText(body)
                }
                cached("1h") {
                    get("/cached") {
                        delay(10.milliseconds)
                        call.respondText(body)
                    }
                }
            }
        }.start(wait = false)
    private val boundPort: Int = runBlocking { server.engine.resolvedConnectors().single().port }
    private val client: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    /** Sends [count] GETs of [path], at most [inFlight] at a time; fails if any answer is not a 200 with the body. */
    public fun load(path: String, count: Int, inFlight: Int) {
        val request = HttpRequest.newBuilder(URI("http://127.0.0.1:$boundPort$path")).build()
        val slots = Semaphore(inFlight)
        val sent = ArrayList<CompletableFuture<*>>(count)
        repeat(count) {
            slots.acquire()
            sent +=
                client
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete { response, _ ->
                        slots.release()
                        check(response?.statusCode() == 200 && response.body().length == body.length) { "bad answer from $path" }
                    }
        }
        CompletableFuture.allOf(*sent.toTypedArray()).join()
    }

    /** The loopback port the server listens on. */
    public val port: Int get() = boundPort

    override fun close() {

        server.stop(0, 1_000)
    }
}

/**
 * Serves the [KtorServer] routes for `args[0]` seconds (default 60), printing the port, so an external load
 * generator (`wrk`) can measure them; then stops by itself.
 */
public object KtorServerMain {
    @JvmStatic
    public fun main(args: Array<String>) {
        KtorServer().use { server ->
            server.load("/cached", 1, 1)
            println("port ${server.port}")
            Thread.sleep((args.firstOrNull()?.toLong() ?: 60L) * 1000)
        }
    }
}

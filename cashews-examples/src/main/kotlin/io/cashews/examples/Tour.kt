package io.cashews.examples

import io.cashews.Cache
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * Runs the example service on 127.0.0.1 and a free port, calls each endpoint as a client would, and prints what
 * happened: status, `X-Cache`, time taken and upstream calls so far. Returns the lines it printed.
 */
public object Tour {
    /** Runs the tour on a cache set up with [url], passing each line to [print]; returns the lines. */
    public fun run(url: String, print: (String) -> Unit = ::println): List<String> {
        val lines = ArrayList<String>()
        val say: (String) -> Unit = {
            lines += it
            print(it)
        }
        val cache = Cache(url)
        val upstream = FakeUpstream()
        val server =
            embeddedServer(
                CIO,
                host = "127.0.0.1",
                port = 0,
            ) { exampleService(cache, upstream) }.start(wait = false)
        try {
            val port =
                runBlocking {
                    server.engine
                        .resolvedConnectors()
                        .single()
                        .port
                }
            val client = HttpClient.newHttpClient()

            fun call(method: String, path: String, vararg headers: String): HttpResponse<String> {
                val request =
                    HttpRequest
                        .newBuilder(
                            URI("http://127.0.0.1:$port$path"),
                        ).method(method, HttpRequest.BodyPublishers.noBody())
                headers.toList().chunked(2).forEach { (name, value) -> request.header(name, value) }
                val started = TimeSource.Monotonic.markNow()
                val response = client.send(request.build(), HttpResponse.BodyHandlers.ofString())
                val took = started.elapsedNow().inWholeMilliseconds
                val cacheHeader = response.headers().firstValue("X-Cache").orElse("-")
                say(
                    "%-6s %-22s -> %d %-21s %4d ms  upstream calls: %d  %s"
                        .format(
                            method,
                            path,
                            response.statusCode(),
                            cacheHeader,
                            took,
                            upstream.calls,
                            response.body().take(40),
                        ),
                )
                return response
            }

            say("cashews tour on $cache")
            say("-- cached: the first call waits for the slow upstream, the next ones do not")
            call("GET", "/users/1")
            call("GET", "/users/1")
            call("POST", "/users/invalidate")
            call("GET", "/users/1")
            say("-- early: fresh for 1 s; then served at once, stale, while one refresh runs in the background")
            call("GET", "/rates")
            call("GET", "/rates")
            runBlocking { delay(1.seconds + 50.milliseconds) } // past the early TTL
            call("GET", "/rates") // answered from the cache; the upstream call count has not moved yet
            runBlocking { delay(200.milliseconds) } // the background refresh (a 100 ms upstream call) completes
            call("GET", "/rates") // fresh again, and the upstream was called once more
            say("-- the Ktor plugin: whole responses with an ETag; If-None-Match answers 304 without the handler")
            val page = call("GET", "/page")
            call("GET", "/page", "If-None-Match", page.headers().firstValue("ETag").orElse("\"none\""))
            say("-- rate limit: 5 a minute, then 429")
            repeat(7) { call("GET", "/search") }
            say("-- the upstream goes down: soft and failover answer with the last good value, marked stale")
            call("GET", "/weather")
            call("GET", "/stock")
            call("POST", "/upstream/failing/true")
            runBlocking { delay(1.seconds + 50.milliseconds) } // the soft value goes stale
            call("GET", "/weather")
            call("GET", "/stock")
            say("-- circuit breaker: after failures, calls are refused at once")
            repeat(4) { call("GET", "/flaky") }
            call("POST", "/upstream/failing/false")
        } finally {
            server.stop(0, 1_000)
            runBlocking { cache.close() }
        }
        return lines
    }
}

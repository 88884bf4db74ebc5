package io.cashews.ktor.server

import io.cashews.Cache
import io.cashews.test.ControlledClock
import io.kotest.core.annotation.Condition
import io.kotest.core.annotation.EnabledIf
import io.kotest.core.spec.Spec
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.reflect.KClass
import kotlin.time.Duration.Companion.minutes

private fun nginx(): String? = listOf("/usr/sbin/nginx", "/usr/local/sbin/nginx").firstOrNull { File(it).canExecute() }

/** Runs the shared-cache spec only where nginx is installed and its clock can be controlled; elsewhere says why. */
class NginxAvailable : Condition {
    override fun evaluate(kclass: KClass<out Spec>): Boolean {
        val unavailable =
            if (nginx() == null) "no nginx (.ci/run installs Debian's nginx)" else ControlledClock.unavailable()
        if (unavailable == null) return true
        System.err.println("${kclass.simpleName} skipped: $unavailable")
        return false
    }
}

/**
 * nginx with `proxy_cache` on a free loopback port in front of the application at [upstream], its wall clock (what
 * its cache's freshness is counted in) moved by [clock]; stopped by [close].
 */
private class NginxCache(
    upstream: Int,
    clock: ControlledClock,
) : AutoCloseable {
    private val dir = Files.createTempDirectory("cashews-nginx").toFile()
    val port: Int = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
    private val process: Process

    init {
        // nginx's workers drop to an unprivileged user when started as root: they must reach the cache directory.
        dir.setWritable(true, false)
        dir.setExecutable(true, false)
        val config = File(dir, "nginx.conf")
        config.writeText(
            """
            daemon off;
            worker_processes 1;
            pid ${dir.path}/nginx.pid;
            error_log ${dir.path}/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path ${dir.path}/body;
                proxy_temp_path ${dir.path}/proxy;
                fastcgi_temp_path ${dir.path}/fastcgi;
                uwsgi_temp_path ${dir.path}/uwsgi;
                scgi_temp_path ${dir.path}/scgi;
                proxy_cache_path ${dir.path}/cache keys_zone=shared:1m;
                server {
                    listen 127.0.0.1:$port;
                    location / {
                        proxy_pass http://127.0.0.1:$upstream;
                        proxy_cache shared;
                        proxy_cache_revalidate on;
                        add_header X-Proxy-Cache ${'$'}upstream_cache_status always;
                    }
                }
            }
            """.trimIndent(),
        )
        process =
            ProcessBuilder(nginx(), "-p", dir.path, "-c", config.path)
                .redirectErrorStream(true)
                .redirectOutput(File(dir, "nginx.out"))
                .apply { environment().putAll(clock.environment) }
                .start()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS)
        while (!accepts(port)) {
            check(
                process.isAlive,
            ) { "nginx exited: ${File(dir, "nginx.out").readText()} ${File(dir, "error.log").readText()}" }
            check(System.nanoTime() < deadline) { "nginx did not listen on $port within $STARTUP_SECONDS s" }
            process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)
        }
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
        dir.deleteRecursively()
    }

    private fun accepts(port: Int): Boolean =
        try {
            Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), POLL_MILLIS.toInt()) }
            true
        } catch (e: java.io.IOException) {
            false
        }

    private companion object {
        const val STARTUP_SECONDS = 20L
        const val POLL_MILLIS = 50L
    }
}

/** A request through nginx for a path, with an `Authorization` header when given. */
private typealias ThroughNginx = (path: String, authorization: String?) -> HttpResponse<String>

@EnabledIf(NginxAvailable::class)
class SharedCacheSpec : FunSpec({
    val calls = AtomicInteger()

    fun behindNginx(body: (clock: ControlledClock, get: ThroughNginx) -> Unit) {
        calls.set(0)
        withLoopbackServer({
            install(Cashews) { cache = Cache("mem://") }
            routing {
                cached({
                    ttl("1h")
                    public = true
                }) { get("/catalog") { call.respondText("catalog").also { calls.incrementAndGet() } } }
                cached({
                    ttl("10m")
                    public = true
                    key { call -> "account:" + call.request.headers["Authorization"] }
                }) {
                    get("/account") {
                        calls.incrementAndGet()
                        call.respondText("account of ${call.request.headers["Authorization"]}")
                    }
                }
            }
        }) { upstream ->
            ControlledClock().use { clock ->
                NginxCache(upstream, clock).use { nginx ->
                    val client = HttpClient.newHttpClient()
                    body(clock) { path, authorization ->
                        val request = HttpRequest.newBuilder(URI("http://127.0.0.1:${nginx.port}$path"))
                        authorization?.let { request.header("Authorization", it) }
                        client.send(request.build(), HttpResponse.BodyHandlers.ofString())
                    }
                }
            }
        }
    }

    fun HttpResponse<String>.cacheStatus(): String = headers().firstValue("X-Proxy-Cache").orElse("")

    test("nginx keeps a public response for its whole freshness lifetime, then revalidates it with a 304") {
        behindNginx { clock, get ->
            get("/catalog", null).cacheStatus() shouldBe "MISS"
            // nginx's clock moves through the hour the response is fresh for: every request is a shared-cache hit.
            repeat(5) {
                get("/catalog", null).cacheStatus() shouldBe "HIT"
                clock.advance(11.minutes)
            }
            get("/catalog", null).cacheStatus() shouldBe "HIT" // 55 minutes on
            calls.get() shouldBe 1
            // Past the hour: nginx asks again with the ETag; the application still holds the response and answers 304.
            clock.advance(6.minutes)
            val revalidated = get("/catalog", null)
            revalidated.cacheStatus() shouldBe "REVALIDATED"
            revalidated.body() shouldBe "catalog"
            calls.get() shouldBe 1
            get("/catalog", null).cacheStatus() shouldBe "HIT"
        }
    }

    test("a response keyed by Authorization is never served by nginx to another user") {
        behindNginx { _, get ->
            val alice = get("/account", "Bearer alice")
            alice.body() shouldBe "account of Bearer alice"
            alice.headers().firstValue("Cache-Control").orElse("") shouldBe "private, max-age=600"
            val bob = get("/account", "Bearer bob")
            bob.body() shouldBe "account of Bearer bob"
            bob.headers().firstValue("X-Proxy-Cache").orElse("") shouldNotBe "HIT"
            get("/account", "Bearer alice").body() shouldBe "account of Bearer alice"
        }
    }
})

package io.cashews.examples

import io.cashews.examples.spring.ShopService
import io.cashews.test.RedisProcess
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import org.springframework.boot.SpringApplication
import org.springframework.boot.web.server.context.WebServerApplicationContext
import org.springframework.context.ConfigurableApplicationContext
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.net.http.HttpTimeoutException
import java.time.Duration

/** The Spring Boot shop example, started as README runs it, on memory and on a real redis-server, called over HTTP. */
class SpringShopSpec : FunSpec({
    val client = HttpClient.newHttpClient()

    fun ConfigurableApplicationContext.call(method: String, path: String): String {
        val port = (this as WebServerApplicationContext).webServer!!.port
        val request =
            HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:$port$path"))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30))
                .build()
        val response =
            try {
                client.send(request, HttpResponse.BodyHandlers.ofString())
            } catch (timeout: HttpTimeoutException) {
                Thread.getAllStackTraces().forEach { (thread, frames) ->
                    println("\"${thread.name}\" ${thread.state}\n" + frames.joinToString("\n") { "    at $it" })
                }
                throw AssertionError("$method $path got no answer in 30 s", timeout)
            }
        response.statusCode() shouldBe 200
        return response.body()
    }

    fun start(vararg args: String): ConfigurableApplicationContext =
        SpringApplication.run(
            ShopService::class.java,
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--shop.latency-ms=0",
            "--spring.main.banner-mode=off",
            *args,
        )

    fun ConfigurableApplicationContext.tour() {
        val reads = { call("GET", "/repository/reads").substringAfter(":").substringBefore("}").toLong() }
        val start = reads()
        val product = call("GET", "/products/7")
        call("GET", "/products/7") shouldBe product
        reads() shouldBe start + 1
        call("POST", "/products/7/name?name=walnuts")
        call("GET", "/products/7") shouldContain "walnuts"
        call("GET", "/shelves/nuts") shouldBe call("GET", "/shelves/nuts")
        call("GET", "/featured/eu") shouldBe call("GET", "/featured/eu")
        repeat(5) { call("GET", "/search?user=ann&q=nuts") shouldContain "product" }
        call("GET", "/search?user=ann&q=nuts") shouldBe "[]"
        call("GET", "/actuator/cashews") shouldContain "\"cached\""
        call("GET", "/actuator/health") shouldContain "\"cashews\":{\"status\":\"UP\""
    }

    test("the shop on the in-memory backend") {
        start().use { it.tour() }
    }

    test("the shop on redis-server") {
        RedisProcess.start().use { redis -> start("--cashews.setup=${redis.url}").use { it.tour() } }
    }

    // A response completed off the event loop (a Redis reply, a bounded elastic thread) followed on the same
    // keep-alive connection by one answered at once: older reactor-netty servers could stop reading the connection
    // there, and the next request waited until the client gave up.
    test("one keep-alive connection keeps being answered on redis-server") {
        RedisProcess.start().use { redis ->
            start("--cashews.setup=${redis.url}").use { shop ->
                val product = shop.call("GET", "/products/7")
                repeat(300) {
                    shop.call("GET", "/products/7") shouldBe product
                    shop.call("GET", "/repository/reads") shouldContain "reads"
                }
            }
        }
    }
})

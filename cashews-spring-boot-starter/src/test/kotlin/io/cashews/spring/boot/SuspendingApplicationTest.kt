package io.cashews.spring.boot

import io.cashews.spring.boot.suspending.AccountService
import io.cashews.spring.boot.suspending.SuspendingApplication
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.web.server.LocalServerPort
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** `suspend` handlers over `suspend` methods with cashews' and Spring's cache annotations, over real HTTP. */
@SpringBootTest(classes = [SuspendingApplication::class], webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SuspendingApplicationTest {
    @LocalServerPort
    var port: Int = 0

    @Autowired
    lateinit var accounts: AccountService

    private val client = HttpClient.newHttpClient()

    /** The response to [method] [path] on the application's loopback port. */
    private fun send(method: String, path: String): HttpResponse<String> =
        client.send(
            HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:$port$path"))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString(),
        )

    private fun get(path: String): String = send("GET", path).also { assertEquals(200, it.statusCode()) }.body()

    @Test
    fun `a cached suspend function loads once and answers over HTTP`() {
        val before = accounts.accountLoads.get()
        val first = get("/accounts/5")
        assertEquals(first, get("/accounts/5"))
        assertTrue(first.contains("\"owner\":\"owner 5\""), first)
        assertEquals(before + 1, accounts.accountLoads.get())
        assertEquals(200, send("POST", "/accounts/5/touch").statusCode())
        get("/accounts/5")
        assertEquals(before + 2, accounts.accountLoads.get())
    }

    @Test
    fun `concurrent coroutines share one load`() =
        runBlocking {
            val before = accounts.accountLoads.get()
            val results = (1..16).map { async { accounts.account(9) } }.awaitAll()
            assertEquals(1, results.toSet().size)
            assertEquals(before + 1, accounts.accountLoads.get())
        }

    @Test
    fun `a sync Cacheable suspend function goes through the cashews CacheManager`() {
        val before = accounts.ratesLoads.get()
        assertEquals("4.5", get("/rates/EUR"))
        assertEquals("4.5", get("/rates/EUR"))
        assertEquals(before + 1, accounts.ratesLoads.get())
    }
}

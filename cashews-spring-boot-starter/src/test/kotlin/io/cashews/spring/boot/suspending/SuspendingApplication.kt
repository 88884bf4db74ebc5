package io.cashews.spring.boot.suspending

import io.cashews.spring.Cached
import io.cashews.spring.Invalidate
import kotlinx.coroutines.delay
import kotlinx.coroutines.yield
import org.springframework.boot.autoconfigure.SpringBootApplication
import org.springframework.cache.annotation.Cacheable
import org.springframework.cache.annotation.EnableCaching
import org.springframework.stereotype.Service
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.PathVariable
import org.springframework.web.bind.annotation.PostMapping
import org.springframework.web.bind.annotation.RestController
import java.util.concurrent.atomic.AtomicInteger

/** A Kotlin service whose handlers and cached methods are `suspend` functions. */
@SpringBootApplication
@EnableCaching
class SuspendingApplication

data class Account(
    val id: Long,
    val owner: String,
    val balance: Long,
)

@Service
class AccountService {
    val accountLoads = AtomicInteger()
    val ratesLoads = AtomicInteger()

    @Cached(ttl = "1h", key = "account:{id}")
    suspend fun account(id: Long): Account {
        yield() // a real suspension point: the result arrives after the call returned
        accountLoads.incrementAndGet()
        return Account(id, "owner $id", id * 10)
    }

    @Cacheable(cacheNames = ["rates"], sync = true)
    suspend fun rate(currency: String): Double {
        yield()
        ratesLoads.incrementAndGet()
        return currency.length * 1.5
    }

    @Invalidate(keys = ["account:{id}"])
    suspend fun touch(id: Long) {
        delay(0)
    }
}

@RestController
class AccountController(
    private val accounts: AccountService,
) {
    @GetMapping("/accounts/{id}")
    suspend fun account(
        @PathVariable id: Long,
    ): Account = accounts.account(id)

    @PostMapping("/accounts/{id}/touch")
    suspend fun touch(
        @PathVariable id: Long,
    ) = accounts.touch(id)

    @GetMapping("/rates/{currency}")
    suspend fun rate(
        @PathVariable currency: String,
    ): Double = accounts.rate(currency)
}

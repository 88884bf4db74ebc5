package io.cashews.samples

import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

// What the README's examples call: small in-process stand-ins for a repository and remote services, each counting
// its calls, so every sample can check what the cache saved.

@Serializable
data class User(
    val id: Long,
    val name: String,
)

@Serializable
data class Rates(
    val eurUsd: Double,
)

@Serializable
data class Page(
    val n: Int,
    val items: List<String>,
)

@Serializable
data class Quote(
    val value: Int,
)

@Serializable
data class Item(
    val name: String,
)

@Serializable
data class Order(
    val id: Long,
    val item: String,
)

/** A token that knows how long it is valid. */
data class Token(
    val value: String,
    val expiresIn: Duration,
)

class NotFound(
    id: Long,
) : Exception("no user $id")

class SoldOut(
    item: String,
) : Exception("$item is sold out")

/** The users' database: user 404 does not exist. */
class Repo {
    val loads = AtomicInteger()
    private val names = ConcurrentHashMap<Long, String>()

    suspend fun load(id: Long): User {
        loads.incrementAndGet()
        if (id == 404L) throw NotFound(id)
        return User(id, names[id] ?: "user $id")
    }

    /** Calls of [loadAll]: one per batch. */
    val batches = AtomicInteger()

    /** The users of [ids] in one query; the ids from 400 on do not exist and are left out. */
    suspend fun loadAll(ids: List<Long>): List<User> {
        batches.incrementAndGet()
        return ids.filter { it < 400 }.map { User(it, names[it] ?: "user $it") }
    }

    /** The user, or `null` for the ids from 400 on, which do not exist. */
    suspend fun find(id: Long): User? = if (id >= 400) null.also { loads.incrementAndGet() } else load(id)

    fun rename(id: Long, name: String) {
        names[id] = name
    }

    suspend fun localized(id: Long, lang: String): String = "${load(id).name} ($lang)"
}

/** A remote API. */
class Api {
    val calls = AtomicInteger()
    private val feeds = AtomicInteger()

    suspend fun rates(): Rates = call { Rates(1.08) }

    suspend fun page(n: Int): Page = call { Page(n, listOf("a", "b")) }

    suspend fun quote(): Quote = call { Quote(42) }

    suspend fun score(id: Long): Int = call { id.toInt() }

    suspend fun feed(): String = call { "feed #${feeds.incrementAndGet()}" }

    private suspend fun <T> call(answer: () -> T): T {
        calls.incrementAndGet()
        delay(1.milliseconds)
        return answer()
    }
}

class Db {
    val queries = AtomicInteger()

    fun top(): List<Item> = listOf(Item("top ${queries.incrementAndGet()}"))
}

class Auth {
    val issued = AtomicInteger()

    fun token(): Token = Token("token ${issued.incrementAndGet()}", 10.minutes)
}

class Reports {
    val built = AtomicInteger()

    suspend fun build(): String {
        delay(150.milliseconds)
        return "report ${built.incrementAndGet()}"
    }
}

class SearchIndex {
    val searches = AtomicInteger()

    fun search(q: String): List<String> = listOf("$q #${searches.incrementAndGet()}")
}

class Users {
    val checks = AtomicInteger()

    fun existsByEmail(email: String): Boolean = email.endsWith("@example.com").also { checks.incrementAndGet() }
}

class Registry {
    val checks = AtomicInteger()

    fun isVerified(id: String): Boolean = id.startsWith("v").also { checks.incrementAndGet() }
}

class Catalog {
    val reads = AtomicInteger()

    fun list(): String = "products #${reads.incrementAndGet()}"

    fun item(id: Long): Item = Item("item $id #${reads.incrementAndGet()}")
}

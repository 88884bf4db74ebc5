package io.cashews.spring.internal

import reactor.core.publisher.Flux
import reactor.core.publisher.Mono
import java.util.concurrent.CompletableFuture
import java.util.function.Supplier

/**
 * The Reactor side of annotated methods, in one place so that Reactor's classes are only loaded by applications
 * whose methods return `Mono` or `Flux` (or are `suspend` functions, which Spring's proxies run as `Mono`s).
 */
internal object ReactorResults {
    /** A `Mono` that runs [call] on each subscription; a `null` result is an empty `Mono`. */
    fun mono(call: () -> CompletableFuture<Any?>): Any = Mono.fromFuture(loading(call))

    /** A `Flux` that runs [call] on each subscription and emits the list's elements. */
    fun flux(call: () -> CompletableFuture<Any?>): Any =
        Mono.fromFuture(loading(call)).flatMapIterable<Any> { list ->
            @Suppress("UNCHECKED_CAST")
            list as List<Any>
        }

    @Suppress("UNCHECKED_CAST")
    private fun loading(call: () -> CompletableFuture<Any?>): Supplier<CompletableFuture<Any>> =
        Supplier { call() as CompletableFuture<Any> }

    /** The future of [mono]'s element (`null` when empty); subscribes to it. */
    fun monoFuture(mono: Any?): CompletableFuture<Any?> {
        @Suppress("UNCHECKED_CAST")
        return (mono as Mono<Any>?)?.toFuture()?.thenApply { it as Any? }
            ?: throw NullPointerException("the method returned no Mono")
    }

    /** The future of [flux]'s elements as one list; subscribes to it. */
    fun fluxFuture(flux: Any?): CompletableFuture<Any?> {
        @Suppress("UNCHECKED_CAST")
        val elements = (flux as Flux<Any>?) ?: throw NullPointerException("the method returned no Flux")
        return elements.collectList().toFuture().thenApply { it }
    }

    /** [publisher] (a `Mono` or `Flux`), followed on normal completion by [after] before it completes. */
    fun then(publisher: Any?, after: () -> CompletableFuture<*>): Any {
        val done = Mono.defer { Mono.fromFuture(Supplier { after() }) }
        return when (publisher) {
            is Mono<*> -> {
                publisher
                    .flatMap { value -> done.thenReturn(value!!) }
                    .switchIfEmpty(done.then(Mono.empty()))
            }

            is Flux<*> -> {
                publisher.concatWith(done.then(Mono.empty()))
            }

            else -> {
                throw NullPointerException("the method returned no Mono or Flux")
            }
        }
    }
}

package io.cashews.test

import io.cashews.MemoryBackend

/** The memory backend storing objects: the default `mem://`. */
class MemoryBackendContractSpec : BackendContractSpec(newBackend = { time ->
    MemoryBackend(size = 10_000, timeSource = time)
})

/** The memory backend storing signed, compressed JSON bytes, as Redis and disk do. */
class SignedMemoryBackendContractSpec :
    BackendContractSpec(
        setupParams = mapOf("secret" to "s3cr3t", "digestmod" to "sha256", "compress_type" to "gzip"),
        newBackend = { time -> MemoryBackend(size = 10_000, timeSource = time) },
    )

/** The memory backend storing CBOR bytes. */
class CborMemoryBackendContractSpec :
    BackendContractSpec(
        setupParams = mapOf("codec" to "cbor"),
        newBackend = { time -> MemoryBackend(size = 10_000, timeSource = time) },
    )

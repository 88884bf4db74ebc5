package io.cashews.disk

import io.cashews.test.BackendContractSpec
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.TimeSource

/** A fresh directory for every contract case, all under one root that its spec removes afterwards. */
private class CaseDirectories {
    private val root: Path by lazy { Files.createTempDirectory("cashews-disk-contract") }

    fun backend(time: TimeSource): DiskBackend =
        DiskBackend(
            Files.createTempDirectory(root, "case"),
            shards = 4,
            timeSource = time,
        )

    fun delete() {
        root.toFile().deleteRecursively()
    }
}

private val jsonDirectories = CaseDirectories()
private val signedDirectories = CaseDirectories()

/** The whole backend contract on SQLite files: values as the default JSON codec writes them. */
class DiskBackendContractSpec : BackendContractSpec(newBackend = jsonDirectories::backend) {
    init {
        afterSpec { jsonDirectories.delete() }
    }
}

/** The contract with signed, compressed values. */
class SignedDiskBackendContractSpec :
    BackendContractSpec(
        setupParams = mapOf("secret" to "contract-secret", "compress_type" to "gzip"),
        newBackend = signedDirectories::backend,
    ) {
    init {
        afterSpec { signedDirectories.delete() }
    }
}

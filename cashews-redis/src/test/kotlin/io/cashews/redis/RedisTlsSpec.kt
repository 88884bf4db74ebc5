package io.cashews.redis

import io.cashews.BackendConfigurationError
import io.cashews.Cache
import io.cashews.SetupError
import io.cashews.test.RedisProcess
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/** A CA, a server certificate for 127.0.0.1 and a client certificate it signed, made with the openssl command. */
private class Certificates {
    val dir: File = Files.createTempDirectory("cashews-tls").toFile()

    fun file(name: String) = File(dir, name).path

    /** Runs `openssl` with [command]'s space-separated arguments (none of them holds a space). */
    private fun openssl(command: String) {
        val process =
            ProcessBuilder(
                listOf("openssl") + command.split(" "),
            ).directory(dir).redirectErrorStream(true).start()
        val output = process.inputStream.readAllBytes().decodeToString()
        check(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) { "openssl $command failed: $output" }
    }

    private fun authority(name: String) =
        openssl("req -x509 -newkey rsa:2048 -nodes -keyout $name.key -out $name.crt -days 2 -subj /CN=$name")

    private fun signed(name: String, ca: String, extensions: String?) {
        openssl("req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj /CN=$name")
        extensions?.let { File(dir, "$name.ext").writeText(it) }
        val extra = if (extensions == null) "" else " -extfile $name.ext"
        openssl("x509 -req -in $name.csr -CA $ca.crt -CAkey $ca.key -CAcreateserial -out $name.crt -days 2$extra")
    }

    init {
        authority("ca")
        authority("other-ca")
        signed("server", "ca", "subjectAltName=IP:127.0.0.1")
        signed("client", "ca", null)
    }
}

class RedisTlsSpec : FunSpec({
    val certificates = Certificates()
    val tlsPort = ServerSocket(0).use { it.localPort }
    val redis =
        RedisProcess.start(
            "--tls-port",
            "$tlsPort",
            "--tls-cert-file",
            certificates.file("server.crt"),
            "--tls-key-file",
            certificates.file("server.key"),
            "--tls-ca-cert-file",
            certificates.file("ca.crt"),
            "--tls-auth-clients",
            "yes",
        )
    afterSpec {
        redis.close()
        certificates.dir.deleteRecursively()
    }
    val base = "rediss://127.0.0.1:$tlsPort"

    test("rediss:// with the CA, a client certificate and its key: commands work over TLS") {
        runBlocking(Dispatchers.Default) {
            val cache =
                Cache(
                    "$base?suppress=false&ssl_ca_certs=${certificates.file("ca.crt")}" +
                        "&ssl_certfile=${certificates.file(
                            "client.crt",
                        )}&ssl_keyfile=${certificates.file("client.key")}",
                )
            cache.set("k", "over tls") shouldBe true
            cache.get<String>("k") shouldBe "over tls"
            cache.close()
        }
    }

    test("a server certificate from another CA, or no client certificate, is a configuration error naming TLS") {
        runBlocking(Dispatchers.Default) {
            for (
            url in listOf(
                "$base?suppress=false&ssl_ca_certs=${certificates.file("other-ca.crt")}" +
                    "&ssl_certfile=${certificates.file("client.crt")}&ssl_keyfile=${certificates.file("client.key")}",
                "$base?suppress=false&ssl_ca_certs=${certificates.file("ca.crt")}",
            )
            ) {
                val cache = Cache(url)
                shouldThrow<BackendConfigurationError> { cache.get<String>("k") }.message shouldContain "TLS"
                cache.close()
            }
        }
    }

    test("TLS parameters are checked at setup") {
        shouldThrow<SetupError> { Cache("$base?ssl_ca_certs=/nowhere/ca.crt") }.message shouldContain "/nowhere/ca.crt"
        shouldThrow<SetupError> {
            Cache("redis://127.0.0.1:1?ssl_ca_certs=${certificates.file("ca.crt")}")
        }.message shouldContain
            "rediss://"
        shouldThrow<SetupError> { Cache("$base?ssl_certfile=${certificates.file("client.crt")}") }.message shouldContain
            "together"
    }
})

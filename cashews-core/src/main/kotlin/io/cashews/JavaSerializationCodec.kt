package io.cashews

import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.InvalidClassException
import java.io.NotSerializableException
import java.io.ObjectInputStream
import java.io.ObjectOutputStream
import java.io.ObjectStreamClass
import java.io.Serializable

/**
 * A [ValueCodec] for plain Java classes that implement [java.io.Serializable], selected with `codec=java`.
 *
 * The fingerprint is the declared class name and its `serialVersionUID`, so bumping the UID (or changing the class
 * without pinning one) turns old values into misses. Only use it for values your own services wrote: Java
 * deserialization of untrusted bytes is unsafe, which is why a `secret` (signing) is strongly advised with it.
 */
public object JavaSerializationCodec : ValueCodec {
    override val name: String = "java"

    override fun encode(value: Any?, type: ValueType): ByteArray {
        if (value != null && value !is Serializable) {
            throw CodecError(
                "codec 'java' cannot encode ${value.javaClass.name}: it does not implement java.io.Serializable",
            )
        }
        val out = ByteArrayOutputStream()
        try {
            ObjectOutputStream(out).use { it.writeObject(value) }
        } catch (e: NotSerializableException) {
            throw CodecError("codec 'java' cannot encode a value of type $type: ${e.message} is not Serializable", e)
        }
        return out.toByteArray()
    }

    override fun decode(bytes: ByteArray, type: ValueType): Any? {
        val loader = type.javaClass.classLoader ?: Thread.currentThread().contextClassLoader
        return object : ObjectInputStream(ByteArrayInputStream(bytes)) {
            override fun resolveClass(desc: ObjectStreamClass): Class<*> =
                try {
                    Class.forName(desc.name, false, loader)
                } catch (e: ClassNotFoundException) {
                    super.resolveClass(desc)
                }
        }.use { it.readObject() }
    }

    override fun fingerprint(type: ValueType): String {
        val uid =
            try {
                ObjectStreamClass.lookup(type.javaClass)?.serialVersionUID ?: 0L
            } catch (e: InvalidClassException) {
                0L
            }
        return "${type.javaClass.name}@${java.lang.Long.toHexString(uid)}"
    }
}

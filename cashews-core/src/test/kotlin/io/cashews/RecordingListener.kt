package io.cashews

import java.util.Collections
import kotlin.time.Duration

/** Keeps every event as a line. */
internal class RecordingListener : CacheEventListener {
    val events: MutableList<String> = Collections.synchronizedList(mutableListOf())

    override fun onHit(key: String, strategy: String) {
        events += "hit $strategy $key"
    }

    override fun onMiss(key: String, strategy: String) {
        events += "miss $strategy $key"
    }

    override fun onLoad(key: String, strategy: String, duration: Duration) {
        events += "load $strategy $key $duration"
    }

    override fun onLoadFailure(key: String, strategy: String, error: Throwable, duration: Duration) {
        events += "failure $strategy $key ${error.message}"
    }

    override fun onStaleServed(key: String, strategy: String) {
        events += "stale $strategy $key"
    }

    override fun onPut(key: String, strategy: String) {
        events += "put $strategy $key"
    }

    override fun onRejected(key: String, reason: Rejection) {
        events += "rejected $reason $key"
    }

    override fun onBreakerStateChanged(key: String, from: BreakerState, to: BreakerState) {
        events += "breaker $key $from->$to"
    }
}

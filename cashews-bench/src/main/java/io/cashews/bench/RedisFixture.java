package io.cashews.bench;

import io.cashews.Cache;
import io.cashews.test.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

/**
 * What the Redis benchmarks share: a redis-server on loopback that they start and always stop, and a raw Lettuce
 * connection of its own (the anchor side), moving bytes as our backend does.
 */
final class RedisFixture {
    final RedisProcess redis = RedisProcess.start();
    final RedisClient client = RedisClient.create(redis.getUrl());
    final StatefulRedisConnection<String, byte[]> connection =
        client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    final RedisAsyncCommands<String, byte[]> raw = connection.async();

    String url() {
        return redis.getUrl();
    }

    /** Closes the raw connection and [cache], then stops Redis whatever failed before. */
    void close(Cache cache) {
        try {
            connection.close();
            client.shutdown();
            RedisLoops.close(cache);
        } finally {
            redis.close();
        }
    }
}

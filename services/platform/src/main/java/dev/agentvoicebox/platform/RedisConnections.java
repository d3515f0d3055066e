package dev.agentvoicebox.platform;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;

/**
 * One Lettuce client per process. Blocking stream reads (XREADGROUP BLOCK) hold their connection,
 * so each reader loop asks for a {@link #dedicated()} connection and everything else shares
 * {@link #shared()}.
 */
public final class RedisConnections implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> shared;

    public RedisConnections(String redisUrl) {
        RedisURI uri = RedisURI.create(redisUrl);
        uri.setTimeout(Duration.ofSeconds(5));
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(3))
                        .build())
                // While Redis is away, fail at once rather than queue until the command timeout: a
                // caller (a handshake, a response) gets a clear error now, and loops retry anyway.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        this.shared = client.connect();
    }

    public StatefulRedisConnection<String, String> shared() {
        return shared;
    }

    public StatefulRedisConnection<String, String> dedicated() {
        StatefulRedisConnection<String, String> connection = client.connect();
        // A blocking read may wait longer than the command timeout; its own BLOCK bounds it.
        connection.setTimeout(Duration.ofSeconds(30));
        return connection;
    }

    public StatefulRedisPubSubConnection<String, String> pubSub() {
        return client.connectPubSub();
    }

    public boolean healthy() {
        try {
            return "PONG".equals(shared.sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        shared.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}

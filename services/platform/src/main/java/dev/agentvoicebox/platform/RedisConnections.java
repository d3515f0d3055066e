package dev.agentvoicebox.platform;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Lettuce client per process. Blocking stream reads (XREADGROUP BLOCK) hold their connection,
 * so each reader loop asks for a {@link #dedicated()} connection and everything else shares
 * {@link #shared()}.
 *
 * <p>Every connection reconnects by itself when Redis comes back, at most {@link #RECONNECT_CAP}
 * after it does: Lettuce's default backoff grows to 30 s, so a minute-long outage would otherwise
 * leave a service unusable for up to half a minute after Redis is back.
 */
public final class RedisConnections implements AutoCloseable {
    static final Duration RECONNECT_CAP = Duration.ofSeconds(1);

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> shared;

    public RedisConnections(String redisUrl) {
        RedisURI uri = RedisURI.create(redisUrl);
        uri.setTimeout(Duration.ofSeconds(5));
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ZERO, RECONNECT_CAP, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
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

    /**
     * Runs {@code action} each time the shared connection is connected again after losing Redis, on
     * a thread of its own (the caller may use Redis there). Redis may have come back empty: this is
     * where a process checks what it keeps there at once rather than at its next periodic look.
     */
    public void onReconnected(Runnable action) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == shared) {
                    Thread.ofVirtual().name("redis-reconnected").start(action);
                }
            }
        });
    }

    /** Why Redis cannot serve this process now (unreachable, still loading its data...), or empty. */
    public Optional<String> problem() {
        try {
            String answer = shared.sync().ping();
            return "PONG".equals(answer) ? Optional.empty() : Optional.of("PING answered " + answer);
        } catch (RuntimeException e) {
            return Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    @Override
    public void close() {
        shared.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}

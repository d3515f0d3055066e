package dev.agentvoicebox.gateway.access;

import dev.agentvoicebox.gateway.realtime.RealtimeSession;
import dev.agentvoicebox.gateway.realtime.SessionRegistry;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Ends live sessions the moment the tenants service announces their key (or a client secret's
 * parent key) revoked or their tenant suspended, on {@link DirectoryChange#CHANNEL}. Announcements
 * made while the subscription was down are lost: when Lettuce subscribes again (Redis restarted, the
 * connection dropped) every session's access is checked at once. The periodic recheck stays the net
 * under both.
 */
public final class DirectoryWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DirectoryWatch.class.getName());

    private final StatefulRedisPubSubConnection<String, String> connection;

    public DirectoryWatch(RedisConnections redis, SessionRegistry registry) {
        this.connection = redis.pubSub();
        AtomicBoolean subscribedBefore = new AtomicBoolean();
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                DirectoryChange.parse(message)
                        .ifPresentOrElse(
                                change -> registry.all().forEach(session -> session.onDirectoryChange(change)),
                                () -> LOG.fine(() -> "ignoring an unknown directory change: " + message));
            }

            @Override
            public void subscribed(String channel, long count) {
                if (subscribedBefore.getAndSet(true)) {
                    LOG.info("subscribed to " + channel + " again: rechecking the access of every live session");
                    registry.all().forEach(RealtimeSession::recheckAccessNow);
                }
            }
        });
        connection.sync().subscribe(DirectoryChange.CHANNEL);
    }

    @Override
    public void close() {
        connection.close();
    }
}

package dev.agentvoicebox.gateway.realtime;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamGroup;
import dev.agentvoicebox.platform.StreamReadRetry;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * Reads this instance's result stream ({@code avb:gw:<id>}) and hands each message to the session it
 * belongs to. Messages for sessions this instance no longer has are acked and dropped.
 */
public final class ResultReader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ResultReader.class.getName());

    private final StatefulRedisConnection<String, String> connection;
    private final SessionRegistry registry;
    private final StreamGroup group;
    private final Thread thread;
    private volatile boolean running = true;

    public ResultReader(RedisConnections redis, SessionRegistry registry, String gatewayId) {
        this.connection = redis.dedicated();
        this.registry = registry;
        this.group = new StreamGroup(Streams.gatewayStream(gatewayId), Streams.GATEWAY_GROUP, gatewayId);
        // An existing group means this instance id restarted; a new one skips what an earlier life left.
        group.create(connection.sync(), "$");
        this.thread = Thread.ofVirtual().name("results-" + gatewayId).start(this::readLoop);
    }

    public String stream() {
        return group.stream();
    }

    private void readLoop() {
        RedisCommands<String, String> commands = connection.sync();
        XReadArgs block = XReadArgs.Builder.block(Duration.ofSeconds(1)).count(256);
        Retry retry = StreamReadRetry.of("reading " + group.stream(), () -> running, LOG);
        while (running) {
            List<StreamMessage<String, String>> messages;
            try {
                messages = retry.executeSupplier(() -> group.read(commands, block));
            } catch (RuntimeException e) {
                return; // closing (or interrupted): the retry keeps trying while running
            }
            if (messages == null || messages.isEmpty()) {
                continue;
            }
            String[] ids = new String[messages.size()];
            for (int i = 0; i < messages.size(); i++) {
                StreamMessage<String, String> message = messages.get(i);
                ids[i] = message.getId();
                dispatch(message);
            }
            retry.executeRunnable(() -> commands.xack(group.stream(), group.group(), ids));
        }
    }

    private void dispatch(StreamMessage<String, String> message) {
        Envelope envelope;
        try {
            envelope = Envelope.fromFields(message.getBody());
        } catch (IllegalArgumentException e) {
            LOG.warning(
                    "dropping unreadable message " + message.getId() + " on " + group.stream() + ": " + e.getMessage());
            return;
        }
        registry.find(envelope.sessionId()).ifPresent(session -> session.onResult(envelope));
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}

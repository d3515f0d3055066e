package dev.agentvoicebox.gateway;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamReadRetry;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
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
    private final String stream;
    private final String consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public ResultReader(RedisConnections redis, SessionRegistry registry, String gatewayId) {
        this.connection = redis.dedicated();
        this.registry = registry;
        this.stream = Streams.gatewayStream(gatewayId);
        this.consumer = gatewayId;
        createGroup();
        this.thread = Thread.ofVirtual().name("results-" + gatewayId).start(this::readLoop);
    }

    private void createGroup() {
        try {
            connection
                    .sync()
                    .xgroupCreate(
                            XReadArgs.StreamOffset.from(stream, "$"),
                            Streams.GATEWAY_GROUP,
                            XGroupCreateArgs.Builder.mkstream());
        } catch (RedisBusyException e) {
            // The group exists: this instance id restarted.
        }
    }

    public String stream() {
        return stream;
    }

    private void readLoop() {
        RedisCommands<String, String> commands = connection.sync();
        XReadArgs block = XReadArgs.Builder.block(Duration.ofSeconds(1)).count(256);
        Consumer<String> me = Consumer.from(Streams.GATEWAY_GROUP, consumer);
        Retry retry = StreamReadRetry.of("reading " + stream, () -> running, LOG);
        while (running) {
            try {
                retry.executeRunnable(() -> readOnce(commands, block, me));
            } catch (RuntimeException e) {
                return; // closing (or interrupted): the retry keeps trying while running
            }
        }
    }

    private void readOnce(RedisCommands<String, String> commands, XReadArgs block, Consumer<String> me) {
        List<StreamMessage<String, String>> messages;
        try {
            messages = commands.xreadgroup(me, block, XReadArgs.StreamOffset.lastConsumed(stream));
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("NOGROUP")) {
                // Redis lost the stream (restart without persistence): start it again.
                createGroup();
            }
            throw e;
        }
        if (messages == null || messages.isEmpty()) {
            return;
        }
        String[] ids = new String[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage<String, String> message = messages.get(i);
            ids[i] = message.getId();
            dispatch(message);
        }
        commands.xack(stream, Streams.GATEWAY_GROUP, ids);
    }

    private void dispatch(StreamMessage<String, String> message) {
        Envelope envelope;
        try {
            envelope = Envelope.fromFields(message.getBody());
        } catch (IllegalArgumentException e) {
            LOG.warning("dropping unreadable message " + message.getId() + " on " + stream + ": " + e.getMessage());
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

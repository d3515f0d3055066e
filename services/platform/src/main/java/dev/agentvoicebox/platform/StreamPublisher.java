package dev.agentvoicebox.platform;

import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;

/** XADDs envelopes to capped streams. */
public final class StreamPublisher {
    private static final XAddArgs CAPPED =
            XAddArgs.Builder.maxlen(Streams.MAX_LEN).approximateTrimming();

    private final StatefulRedisConnection<String, String> connection;

    public StreamPublisher(StatefulRedisConnection<String, String> connection) {
        this.connection = connection;
    }

    /** Returns the stream message id. */
    public String publish(String stream, Envelope envelope) {
        return connection.sync().xadd(stream, CAPPED, envelope.toFields());
    }

    /**
     * Tells every worker to stop work for a response, and leaves a marker for jobs not yet read.
     * Sent without waiting: one connection keeps the two in order, and a caller ending a session
     * must not stall on a Redis that is away.
     */
    public void cancel(String responseId) {
        var commands = connection.async();
        commands.setex(Streams.cancelledKey(responseId), 300, "1");
        commands.publish(Streams.CANCEL_CHANNEL, responseId);
    }
}

package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.access.Caller;
import dev.agentvoicebox.protocol.Streams;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the parts of one session share. Every part runs on the session's own thread, so a timer or
 * a callback comes back through {@link #schedule} or {@link #run} before it touches any state.
 */
public interface SessionContext {
    String id();

    Caller caller();

    SessionWiring wiring();

    /** The session's span, parent of its responses' and transcriptions' spans. */
    Span span();

    /** Sends a server event to the client, shaped by the session's dialect. */
    void send(ObjectNode event);

    /** Runs {@code task} on the session's thread, after what is already queued there. */
    void run(Runnable task);

    /** Runs {@code task} on the session's thread after {@code delay}. */
    default ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return wiring().timers().schedule(() -> run(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The stream the workers answer this gateway instance on. */
    default String replyStream() {
        return Streams.gatewayStream(wiring().gatewayId());
    }
}

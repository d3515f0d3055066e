package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.SessionWiring;
import dev.agentvoicebox.gateway.access.Caller;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A session's identity, its thread and its way out: every task of the session runs on one virtual
 * thread, in order, and every server event leaves through the dialect to the socket.
 */
final class SessionScope implements SessionContext {
    private static final Logger LOG = Logger.getLogger(SessionScope.class.getName());

    private final String id = Ids.session();
    private final Caller caller;
    private final SessionWiring wiring;
    private final Dialect dialect;
    private final EventSink sink;
    private final Span span;
    private final Mailbox loop;

    SessionScope(SessionWiring wiring, Caller caller, Dialect dialect, EventSink sink, Context parent) {
        this.wiring = wiring;
        this.caller = caller;
        this.dialect = dialect;
        this.sink = sink;
        this.loop = new Mailbox(
                "session-" + id,
                wiring.budgets().mailboxEvents(),
                wiring.budgets().mailboxBytes());
        this.span = wiring.tracer()
                .spanBuilder("realtime.session")
                .setParent(parent)
                .startSpan();
        span.setAttribute("avb.session.id", id);
        span.setAttribute("avb.tenant.id", caller.tenantId());
        span.setAttribute("avb.project.id", caller.projectId());
        span.setAttribute("avb.tenant.tier", caller.tier());
        span.setAttribute("avb.protocol.dialect", dialect.name().toLowerCase());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Caller caller() {
        return caller;
    }

    @Override
    public SessionWiring wiring() {
        return wiring;
    }

    @Override
    public Span span() {
        return span;
    }

    Dialect dialect() {
        return dialect;
    }

    @Override
    public void send(ObjectNode event) {
        ObjectNode shaped = dialect.outbound(event);
        if (shaped != null) {
            sink.send(shaped);
        }
    }

    /** An error event that answers no client event. */
    void fail(RealtimeError error) {
        send(Events.error(error, null));
    }

    /** Worker results and timers never wait: one reader serves every session. */
    @Override
    public void run(Runnable task) {
        loop.post(guarded(task));
    }

    /**
     * A client's event of {@code bytes}: waits while the mailbox is full, so the calling socket
     * reader stops reading and TCP slows the client down.
     */
    void deliver(long bytes, Runnable task) throws InterruptedException {
        loop.deliver(bytes, guarded(task));
    }

    /** {@code task} with a failure reported to the client rather than lost on the loop. */
    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "session " + id + " failed handling an event", e);
                fail(RealtimeError.serverError());
            }
        };
    }

    /** The last task: ends the span, closes the socket with {@code closeCode} unless 0, stops the thread. */
    void end(int closeCode) {
        span.end();
        if (closeCode != 0) {
            sink.close(closeCode, "session ended");
        }
        loop.close();
    }

    boolean awaitEnded(Duration timeout) throws InterruptedException {
        return loop.awaitClosed(timeout);
    }
}

package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Gateway;
import dev.agentvoicebox.gateway.access.Caller;
import dev.agentvoicebox.gateway.access.Credentials;
import dev.agentvoicebox.gateway.access.HandshakeAuthFilter;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.http.Json;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.websocket.WsUpgrader;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One {@code /v1/realtime} socket. The handshake authenticates and picks the dialect; a refused
 * handshake is answered before this by {@link HandshakeAuthFilter} with a JSON 401.
 */
public final class RealtimeEndpoint implements WsListener {
    public static final int MAX_EVENT_BYTES = 15 * 1024 * 1024;
    /** The fragments of a message in several frames; kept between messages only while small. */
    private static final int REUSED_FRAGMENT_CHARS = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(RealtimeEndpoint.class.getName());

    private final Gateway gateway;
    private StringBuilder pending = new StringBuilder();
    private long pendingBytes;
    private boolean oversized;
    private Caller caller;
    private String lease;
    private Dialect dialect;
    private String model;
    private Context parent = Context.root();
    private RealtimeSession session;

    public RealtimeEndpoint(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        // The filter answered refusals and passes on the decision it admitted this upgrade with.
        lease = HandshakeAuthFilter.leaseId(headers);
        caller = gateway.access()
                .takeAdmitted(lease)
                .flatMap(decision -> gateway.access()
                        .caller(
                                decision,
                                headers,
                                prologue.query().first("api-key").orElse(null)))
                .orElseThrow(() -> new WsUpgradeException("not authorized"));
        List<String> offered = Credentials.subprotocols(headers);
        dialect = Dialect.of(headers.first(HeaderNames.create("OpenAI-Beta")).orElse(null), offered);
        model = prologue.query().first("model").orElse(gateway.settings().defaultModel());
        parent = Telemetry.extract(
                headers.first(HeaderNames.create("traceparent")).orElse(""),
                headers.first(HeaderNames.create("tracestate")).orElse(""));
        WritableHeaders<?> response = WritableHeaders.create();
        if (offered.contains("realtime")) {
            response.set(WsUpgrader.PROTOCOL, "realtime");
        }
        return Optional.of(response);
    }

    @Override
    public void onOpen(WsSession socket) {
        session = new RealtimeSession(
                gateway.sessionWiring(), caller, lease, dialect, new SocketSink(socket), model, parent);
        gateway.registry().add(session);
        session.start();
    }

    /**
     * Runs on the connection's own virtual thread: while the session's mailbox is full this waits,
     * the connection is not read, and TCP slows the client down. Other connections read on.
     */
    @Override
    public void onMessage(WsSession socket, String text, boolean last) {
        if (!oversized) {
            // A UTF-16 char is at most 3 UTF-8 bytes; count exactly only when it could matter.
            long bytes = (long) text.length() * 3 > MAX_EVENT_BYTES
                    ? text.getBytes(StandardCharsets.UTF_8).length
                    : text.length();
            pendingBytes += bytes;
            if (pendingBytes > MAX_EVENT_BYTES) {
                oversized = true;
                pending.setLength(0);
            } else if (!last || !pending.isEmpty()) {
                pending.append(text);
            }
        } else {
            pendingBytes += text.length();
        }
        if (!last) {
            return;
        }
        try {
            if (oversized) {
                session.onOversizedMessage(pendingBytes);
            } else {
                session.onClientText(pending.isEmpty() ? text : pending.toString(), pendingBytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (pending.capacity() > REUSED_FRAGMENT_CHARS) {
                // A large event's room is not kept for the rest of the connection.
                pending = new StringBuilder();
            }
            pending.setLength(0);
            pendingBytes = 0;
            oversized = false;
        }
    }

    @Override
    public void onMessage(WsSession socket, BufferData buffer, boolean last) {
        if (last) {
            try {
                session.onBinaryMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void onClose(WsSession socket, int status, String reason) {
        end();
    }

    @Override
    public void onError(WsSession socket, Throwable t) {
        LOG.log(Level.FINE, "socket error", t);
        end();
    }

    private void end() {
        if (session != null) {
            gateway.registry().remove(session);
            session.onClosed();
        }
    }

    /** Writes events to the socket; a client that is gone just stops receiving. */
    private record SocketSink(WsSession socket) implements EventSink {
        @Override
        public void send(ObjectNode event) {
            try {
                socket.send(Json.write(event), true);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "client went away while sending", e);
            }
        }

        @Override
        public void close(int code, String reason) {
            try {
                socket.close(code, reason);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing a socket that is already gone", e);
            }
        }
    }
}

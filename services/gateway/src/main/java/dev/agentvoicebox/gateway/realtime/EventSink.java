package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a session's server events go: the client's socket, through its protocol dialect. */
public interface EventSink {
    void send(ObjectNode event);

    void close(int code, String reason);
}

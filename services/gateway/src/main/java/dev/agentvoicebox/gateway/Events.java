package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Server event skeletons: every server event has a type and a fresh event id. */
final class Events {
    private Events() {
    }

    static ObjectNode event(String type) {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.put("event_id", Ids.event());
        return event;
    }

    /** An {@code error} event; {@code clientEventId} echoes the event that caused it, when known. */
    static ObjectNode error(RealtimeError error, String clientEventId) {
        ObjectNode event = event("error");
        ObjectNode body = event.putObject("error");
        body.put("type", error.type());
        body.put("code", error.code());
        body.put("message", error.getMessage());
        body.put("param", error.param());
        body.put("event_id", clientEventId);
        return event;
    }

    /** The {@code status_details.error} of a failed response. */
    static ObjectNode failure(String code, String message) {
        return Json.object().put("type", RealtimeError.SERVER_ERROR).put("code", code).put("message", message);
    }
}

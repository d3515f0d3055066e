package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import java.util.List;

/** Server event skeletons: every server event has a type and a fresh event id. */
public final class Events {
    private Events() {}

    public static ObjectNode event(String type) {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.put("event_id", Ids.event());
        return event;
    }

    /** An {@code error} event; {@code clientEventId} echoes the event that caused it, when known. */
    public static ObjectNode error(RealtimeError error, String clientEventId) {
        ObjectNode event = event("error");
        ObjectNode body = event.putObject("error");
        body.put("type", error.type());
        body.put("code", error.code());
        body.put("message", error.getMessage());
        body.put("param", error.param());
        body.put("event_id", clientEventId);
        if (error.retryAfterSeconds() > 0) {
            body.put("retry_after_seconds", error.retryAfterSeconds());
        }
        return event;
    }

    /** {@code rate_limits.updated} from the limits a response was just admitted under. */
    public static ObjectNode rateLimits(List<LimitOutcome> outcomes) {
        ObjectNode event = event("rate_limits.updated");
        ArrayNode limits = event.putArray("rate_limits");
        for (LimitOutcome outcome : outcomes) {
            limits.addObject()
                    .put("name", "responses".equals(outcome.name()) ? "requests" : outcome.name())
                    .put("limit", outcome.limit())
                    .put("remaining", outcome.remaining())
                    .put("reset_seconds", outcome.resetSeconds());
        }
        return event;
    }

    /** The {@code status_details.error} of a failed response. */
    public static ObjectNode failure(String code, String message) {
        return Json.object()
                .put("type", RealtimeError.SERVER_ERROR)
                .put("code", code)
                .put("message", message);
    }
}

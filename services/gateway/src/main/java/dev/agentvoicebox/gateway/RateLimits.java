package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The limits reported in {@code rate_limits.updated}. Static numbers from configuration until
 * per-tenant limits are enforced in Redis.
 */
public record RateLimits(long requestsPerMinute, long tokensPerMinute) {
    ObjectNode event() {
        ObjectNode event = Json.object();
        event.put("type", "rate_limits.updated");
        ArrayNode limits = event.putArray("rate_limits");
        limits.addObject().put("name", "requests").put("limit", requestsPerMinute)
                .put("remaining", requestsPerMinute).put("reset_seconds", 60);
        limits.addObject().put("name", "tokens").put("limit", tokensPerMinute)
                .put("remaining", tokensPerMinute).put("reset_seconds", 60);
        return event;
    }
}

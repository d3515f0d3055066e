package dev.agentvoicebox.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;

/** What every JSON REST handler needs: the edge identity, the JSON body, list pages, JSON answers. */
public final class Http {
    private Http() {}

    @FunctionalInterface
    public interface JsonHandler {
        void handle(ServerRequest request, ServerResponse response, EdgeIdentity caller);
    }

    /**
     * A handler that answers {@link ApiError}s as JSON and refuses a request the edge filter did not
     * pass (only when a route was left out of the filter by mistake: the filter refuses
     * unauthenticated requests itself).
     */
    public static Handler handler(JsonHandler handler) {
        return (request, response) -> {
            try {
                EdgeIdentity caller = EdgeIdentity.of(request)
                        .orElseThrow(() -> new ApiError(
                                Status.UNAUTHORIZED_401,
                                ApiError.INVALID_REQUEST,
                                "missing_identity",
                                "The request was not authorized.",
                                null));
                handler.handle(request, response, caller);
            } catch (ApiError e) {
                e.send(response);
            }
        };
    }

    /** The request body as a JSON object; an empty one when there is none. */
    public static ObjectNode body(ServerRequest request) {
        String text = request.content().hasEntity() ? request.content().as(String.class) : "";
        if (text.isBlank()) {
            return Json.object();
        }
        try {
            if (Json.parse(text) instanceof ObjectNode object) {
                return object;
            }
        } catch (JsonProcessingException e) {
            // answered below
        }
        throw new ApiError(
                Status.BAD_REQUEST_400,
                ApiError.INVALID_REQUEST,
                "invalid_json",
                "The request body must be a JSON object.",
                null);
    }

    public static int limit(ServerRequest request) {
        String raw = request.query().first("limit").orElse("20");
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= 100) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.invalid("limit", "'limit' must be an integer from 1 to 100.");
    }

    public static String after(ServerRequest request) {
        return request.query().first("after").filter(s -> !s.isEmpty()).orElse(null);
    }

    /** The OpenAI list shape: {@code {object: "list", data, first_id, last_id, has_more}}. */
    public static ObjectNode list(List<ObjectNode> items, boolean hasMore) {
        ObjectNode list = Json.object();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        items.forEach(data::add);
        list.put(
                "first_id", items.isEmpty() ? null : items.getFirst().path("id").asText());
        list.put("last_id", items.isEmpty() ? null : items.getLast().path("id").asText());
        list.put("has_more", hasMore);
        return list;
    }

    public static void json(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(Json.write(body));
    }
}

package dev.agentvoicebox.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Json;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;

/** JSON bodies in the OpenAI REST shape: {@code {"error": {message, type, param, code}}}. */
public final class HttpErrors {
    private HttpErrors() {}

    public static void send(
            ServerResponse response, Status status, String type, String code, String message, String param) {
        ObjectNode body = Json.object();
        body.putObject("error")
                .put("message", message)
                .put("type", type)
                .put("param", param)
                .put("code", code);
        json(response, status, body);
    }

    public static void send(ServerResponse response, RealtimeError error) {
        send(response, Status.BAD_REQUEST_400, error.type(), error.code(), error.getMessage(), error.param());
    }

    public static void json(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(Json.write(body));
    }

    /**
     * The caller as the edge filter established it, or a 401 already sent (only when the route was
     * left out of the filter by mistake: the filter refuses unauthenticated requests itself).
     */
    public static Optional<EdgeIdentity> identity(ServerRequest request, ServerResponse response) {
        Optional<EdgeIdentity> identity = EdgeIdentity.of(request);
        if (identity.isEmpty()) {
            send(
                    response,
                    Status.UNAUTHORIZED_401,
                    "invalid_request_error",
                    "missing_identity",
                    "The request carries no authorized identity.",
                    null);
        }
        return identity;
    }

    /** The request body as a JSON object (empty when there is none), or a 400 already sent. */
    public static Optional<ObjectNode> body(ServerRequest request, ServerResponse response) {
        String text = request.content().hasEntity() ? request.content().as(String.class) : "";
        if (text.isBlank()) {
            return Optional.of(Json.object());
        }
        try {
            if (Json.parse(text) instanceof ObjectNode object) {
                return Optional.of(object);
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        send(
                response,
                Status.BAD_REQUEST_400,
                "invalid_request_error",
                "invalid_json",
                "The request body must be a JSON object.",
                null);
        return Optional.empty();
    }
}

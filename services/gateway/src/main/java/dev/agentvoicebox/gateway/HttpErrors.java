package dev.agentvoicebox.gateway;

import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** JSON bodies in the OpenAI REST shape: {@code {"error": {message, type, param, code}}}. */
final class HttpErrors {
    private HttpErrors() {
    }

    static void send(ServerResponse response, Status status, String type, String code, String message, String param) {
        ObjectNode body = Json.object();
        body.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        json(response, status, body);
    }

    static void send(ServerResponse response, RealtimeError error) {
        send(response, Status.BAD_REQUEST_400, error.type(), error.code(), error.getMessage(), error.param());
    }

    static void json(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(Json.write(body));
    }

    /** The REST caller, or a 401 already sent. Ephemeral secrets only open realtime sessions. */
    static Optional<Caller> caller(ServerRequest request, ServerResponse response, Authenticator authenticator) {
        String token = Credentials.token(request.headers(), null);
        if (token == null) {
            send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "missing_api_key",
                    "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", null);
            return Optional.empty();
        }
        Optional<Caller> caller = authenticator.authenticate(token).filter(c -> !c.ephemeral());
        if (caller.isEmpty()) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "invalid_api_key",
                    "Incorrect API key provided.", null);
        }
        return caller;
    }

    /** The request body as a JSON object (empty when there is none), or a 400 already sent. */
    static Optional<ObjectNode> body(ServerRequest request, ServerResponse response) {
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
        send(response, Status.BAD_REQUEST_400, "invalid_request_error", "invalid_json",
                "The request body must be a JSON object.", null);
        return Optional.empty();
    }
}

package dev.agentvoicebox.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /v1/realtime} that did not become a WebSocket: the upgrade was refused for its
 * credentials (a JSON 401, which clients do not retry), or it was no upgrade at all (426).
 */
final class RealtimeHandshakeService implements HttpService {
    private final Gateway gateway;

    RealtimeHandshakeService(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::handshake);
    }

    private void handshake(ServerRequest request, ServerResponse response) {
        String token = Credentials.token(request.headers(), request.query().first("api-key").orElse(null));
        if (token == null) {
            HttpErrors.send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "missing_api_key",
                    "You didn't provide an API key: send 'Authorization: Bearer <key>', the subprotocol "
                            + "'openai-insecure-api-key.<key>' or '?api-key=<key>'.", null);
        } else if (gateway.authenticator().authenticate(token).isEmpty()) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            HttpErrors.send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "invalid_api_key",
                    "Incorrect API key provided, or the client secret has expired.", null);
        } else {
            HttpErrors.send(response, Status.create(426, "Upgrade Required"), "invalid_request_error",
                    "upgrade_required", "This endpoint speaks WebSocket: send an Upgrade request.", null);
        }
    }
}

package dev.agentvoicebox.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses a {@code /v1/realtime} handshake without valid credentials with a JSON 401 before the
 * WebSocket upgrade runs (upgrades are routed through HTTP filters), so clients see an
 * authentication failure they do not retry rather than a bare 400.
 */
final class HandshakeAuthFilter implements Filter {
    private static final String PATH = "/v1/realtime";

    private final Authenticator authenticator;

    HandshakeAuthFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (!PATH.equals(request.path().path())) {
            chain.proceed();
            return;
        }
        String token = Credentials.token(request.headers(), request.query().first("api-key").orElse(null));
        if (token == null) {
            HttpErrors.send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "missing_api_key",
                    "You didn't provide an API key: send 'Authorization: Bearer <key>', the subprotocol "
                            + "'openai-insecure-api-key.<key>' or '?api-key=<key>'.", null);
        } else if (authenticator.authenticate(token).isEmpty()) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            HttpErrors.send(response, Status.UNAUTHORIZED_401, "invalid_request_error", "invalid_api_key",
                    "Incorrect API key provided, or the client secret has expired.", null);
        } else {
            chain.proceed();
        }
    }
}

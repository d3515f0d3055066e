package dev.agentvoicebox.gateway.realtime;

import dev.agentvoicebox.platform.http.ApiError;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A plain {@code GET /v1/realtime} from an authenticated caller (credentials are checked by
 * {@link HandshakeAuthFilter}): the endpoint only speaks WebSocket.
 */
public final class RealtimeHandshakeService implements HttpService {
    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::notAnUpgrade);
    }

    private void notAnUpgrade(ServerRequest request, ServerResponse response) {
        new ApiError(
                        Status.create(426, "Upgrade Required"),
                        "invalid_request_error",
                        "upgrade_required",
                        "This endpoint speaks WebSocket: send an Upgrade request.",
                        null)
                .send(response);
    }
}

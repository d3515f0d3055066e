package dev.agentvoicebox.platform.edge;

import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Json;
import io.helidon.http.Status;
import java.util.List;
import java.util.Map;

/**
 * The edge policy's answer for one request.
 *
 * @param status           HTTP status for a denial (401, 403, 503); 200 when allowed
 * @param body             the JSON body a denial is answered with (empty when allowed)
 * @param identityHeaders  the {@code x-avb-*} headers the policy injects (lower-case names)
 * @param removedHeaders   request headers the policy strips (client-sent {@code x-avb-*})
 * @param responseHeaders  headers to add to the response (e.g. {@code www-authenticate})
 */
public record EdgeDecision(
        boolean allowed,
        int status,
        String body,
        Map<String, String> identityHeaders,
        List<String> removedHeaders,
        Map<String, String> responseHeaders) {
    public EdgeIdentity identity() {
        return EdgeIdentity.fromHeaders(identityHeaders);
    }

    static EdgeDecision deny(int status, String code, String message) {
        String type = status == 401 ? "invalid_request_error" : status >= 500 ? "server_error" : "permission_error";
        return new EdgeDecision(
                false,
                status,
                Json.write(new ApiError(Status.create(status), type, code, message, null).body()),
                Map.of(),
                List.of(),
                status == 401 ? Map.of("www-authenticate", "Bearer") : Map.of());
    }
}

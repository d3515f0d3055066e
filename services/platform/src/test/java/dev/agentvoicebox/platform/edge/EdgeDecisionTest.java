package dev.agentvoicebox.platform.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.http.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeDecisionTest {
    @Test
    void aDenialIsTheOpenAiErrorShapeWhateverItsMessageHolds() throws Exception {
        String message = "Key \"k1\" of C:\\tenant was revoked.\nAsk an admin.";
        EdgeDecision denied = EdgeDecision.deny(401, "revoked_api_key", message);
        assertFalse(denied.allowed());
        assertEquals(Map.of("www-authenticate", "Bearer"), denied.responseHeaders());

        JsonNode error = Json.parse(denied.body()).path("error");
        assertEquals(message, error.path("message").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals("revoked_api_key", error.path("code").asText());
        assertTrue(error.path("param").isNull());

        assertEquals(
                "server_error",
                Json.parse(EdgeDecision.deny(503, "authz_unavailable", "later").body())
                        .at("/error/type")
                        .asText());
        assertEquals(
                "permission_error",
                Json.parse(EdgeDecision.deny(403, "insufficient_role", "no").body())
                        .at("/error/type")
                        .asText());
    }
}

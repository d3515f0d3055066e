package dev.agentvoicebox.gateway.access;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Client secrets are signed by the tenants service with the same keys as API keys, so the gateway
 * asks it for them on the caller's behalf (with the caller's own credentials: the tenants edge
 * check applies to it too).
 */
public final class TenantsClient {
    private final URI base;
    private final HttpClient http;

    public TenantsClient(URI base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    /** The tenants service's answer, status and JSON body, to relay. */
    public record Answer(int status, String body) {}

    public Answer mintClientSecret(String authorization, String tenant, long ttlSeconds, ObjectNode session) {
        ObjectNode body = Json.object();
        body.putObject("expires_after").put("anchor", "created_at").put("seconds", ttlSeconds);
        body.set("session", session);
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/tenants/" + tenant + "/client_secrets"))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return unavailable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable();
        }
    }

    private static Answer unavailable() {
        ObjectNode error = Json.object();
        error.putObject("error")
                .put("message", "Client secrets cannot be issued right now; try again shortly.")
                .put("type", "server_error")
                .putNull("param")
                .put("code", "tenants_unavailable");
        return new Answer(503, Json.write(error));
    }
}

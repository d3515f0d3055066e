package dev.agentvoicebox.gateway;

import java.util.Optional;
import java.util.Set;

import dev.agentvoicebox.platform.edge.EdgeIdentity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Ephemeral client secrets: {@code POST /v1/realtime/client_secrets} (GA) and the beta
 * {@code POST /v1/realtime/sessions}. A secret opens one session with its settings applied, so a
 * browser never holds the real key. The settings are checked here by the session's own rules; the
 * secret is signed by the tenants service, with the key that asked for it as its parent.
 */
final class ClientSecretsService implements HttpService {
    static final long DEFAULT_TTL_SECONDS = 600;
    static final long BETA_TTL_SECONDS = 60;

    private final Gateway gateway;

    ClientSecretsService(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/client_secrets", this::createGa)
                .post("/sessions", this::createBeta);
    }

    private void createGa(ServerRequest request, ServerResponse response) {
        Optional<EdgeIdentity> caller = HttpErrors.identity(request, response);
        Optional<ObjectNode> body = caller.isEmpty() ? Optional.empty() : HttpErrors.body(request, response);
        if (body.isEmpty()) {
            return;
        }
        try {
            Fields.onlyKnown(body.get(), "", Set.of("expires_after", "session"));
            long ttl = ttl(body.get().get("expires_after"));
            ObjectNode requested = body.get().hasNonNull("session")
                    ? Fields.object(body.get().get("session"), "session") : Json.object();
            SessionConfig session = validated(requested);
            TenantsClient.Answer minted = mint(request, caller.get(), ttl, requested);
            if (minted.status() != 200) {
                relay(response, minted);
                return;
            }
            JsonNode secret = Json.parse(minted.body());
            ObjectNode result = Json.object();
            result.put("value", secret.path("value").asText());
            result.put("expires_at", secret.path("expires_at").asLong());
            result.set("session", session.toJson());
            HttpErrors.json(response, Status.OK_200, result);
        } catch (RealtimeError e) {
            HttpErrors.send(response, e);
        } catch (JsonProcessingException e) {
            relay(response, new TenantsClient.Answer(502, "{\"error\":{\"message\":\"The tenants service answered "
                    + "unreadably.\",\"type\":\"server_error\",\"param\":null,\"code\":\"bad_gateway\"}}"));
        }
    }

    private void createBeta(ServerRequest request, ServerResponse response) {
        Optional<EdgeIdentity> caller = HttpErrors.identity(request, response);
        Optional<ObjectNode> body = caller.isEmpty() ? Optional.empty() : HttpErrors.body(request, response);
        if (body.isEmpty()) {
            return;
        }
        try {
            ObjectNode requested = Dialect.BETA.sessionConfig(body.get());
            SessionConfig session = validated(requested);
            TenantsClient.Answer minted = mint(request, caller.get(), BETA_TTL_SECONDS, requested);
            if (minted.status() != 200) {
                relay(response, minted);
                return;
            }
            JsonNode secret = Json.parse(minted.body());
            ObjectNode result = Dialect.BETA.session(session.toJson());
            result.putObject("client_secret").put("value", secret.path("value").asText())
                    .put("expires_at", secret.path("expires_at").asLong());
            HttpErrors.json(response, Status.OK_200, result);
        } catch (RealtimeError e) {
            HttpErrors.send(response, e);
        } catch (JsonProcessingException e) {
            relay(response, new TenantsClient.Answer(502, "{\"error\":{\"message\":\"The tenants service answered "
                    + "unreadably.\",\"type\":\"server_error\",\"param\":null,\"code\":\"bad_gateway\"}}"));
        }
    }

    private TenantsClient.Answer mint(ServerRequest request, EdgeIdentity caller, long ttl, ObjectNode session) {
        String authorization = request.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        return gateway.tenants().mintClientSecret(authorization, caller.tenant(), ttl, session);
    }

    private static void relay(ServerResponse response, TenantsClient.Answer answer) {
        response.status(Status.create(answer.status()));
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(answer.body());
    }

    /** The settings as the session they would make, checked by the same rules as session.update. */
    private SessionConfig validated(ObjectNode requested) {
        SessionConfig session = SessionConfig.defaults(Ids.session(), gateway.settings().defaultModel(),
                System.currentTimeMillis() / 1000 + gateway.settings().sessionMaxDuration().toSeconds(), "");
        session.apply(requested);
        return session;
    }

    private static long ttl(JsonNode expiresAfter) {
        if (expiresAfter == null || expiresAfter.isNull()) {
            return DEFAULT_TTL_SECONDS;
        }
        ObjectNode spec = Fields.object(expiresAfter, "expires_after");
        Fields.onlyKnown(spec, "expires_after", Set.of("anchor", "seconds"));
        if (spec.has("anchor")) {
            Fields.oneOf(spec.get("anchor"), "expires_after.anchor", Set.of("created_at"));
        }
        return spec.has("seconds")
                ? Fields.integer(spec.get("seconds"), "expires_after.seconds", 10, 7200)
                : DEFAULT_TTL_SECONDS;
    }
}

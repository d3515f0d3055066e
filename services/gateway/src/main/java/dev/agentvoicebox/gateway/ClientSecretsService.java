package dev.agentvoicebox.gateway;

import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Ephemeral client secrets: {@code POST /v1/realtime/client_secrets} (GA) and the beta
 * {@code POST /v1/realtime/sessions}. A secret opens one session with its settings applied, so a
 * browser never holds the real key.
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
        Optional<Caller> caller = HttpErrors.caller(request, response, gateway.authenticator());
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
            long expiresAt = System.currentTimeMillis() / 1000 + ttl;
            String value = gateway.authenticator().issueSecret(caller.get(), requested, ttl);
            ObjectNode result = Json.object();
            result.put("value", value);
            result.put("expires_at", expiresAt);
            result.set("session", session.toJson());
            HttpErrors.json(response, Status.OK_200, result);
        } catch (RealtimeError e) {
            HttpErrors.send(response, e);
        }
    }

    private void createBeta(ServerRequest request, ServerResponse response) {
        Optional<Caller> caller = HttpErrors.caller(request, response, gateway.authenticator());
        Optional<ObjectNode> body = caller.isEmpty() ? Optional.empty() : HttpErrors.body(request, response);
        if (body.isEmpty()) {
            return;
        }
        try {
            ObjectNode requested = Dialect.BETA.sessionConfig(body.get());
            SessionConfig session = validated(requested);
            long expiresAt = System.currentTimeMillis() / 1000 + BETA_TTL_SECONDS;
            String value = gateway.authenticator().issueSecret(caller.get(), requested, BETA_TTL_SECONDS);
            ObjectNode result = Dialect.BETA.session(session.toJson());
            result.putObject("client_secret").put("value", value).put("expires_at", expiresAt);
            HttpErrors.json(response, Status.OK_200, result);
        } catch (RealtimeError e) {
            HttpErrors.send(response, e);
        }
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

package dev.agentvoicebox.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.Gateway;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.access.TenantsClient;
import dev.agentvoicebox.gateway.realtime.Dialect;
import dev.agentvoicebox.gateway.realtime.SessionConfig;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Http;
import dev.agentvoicebox.platform.http.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Ephemeral client secrets: {@code POST /v1/realtime/client_secrets} (GA) and the beta
 * {@code POST /v1/realtime/sessions}. A secret opens one session with its settings applied, so a
 * browser never holds the real key. The settings are checked here by the session's own rules; the
 * secret is signed by the tenants service, with the key that asked for it as its parent.
 */
public final class ClientSecretsService implements HttpService {
    static final long DEFAULT_TTL_SECONDS = 600;
    static final long BETA_TTL_SECONDS = 60;

    private final Gateway gateway;

    public ClientSecretsService(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/client_secrets", Http.handler(this::createGa)).post("/sessions", Http.handler(this::createBeta));
    }

    private void createGa(ServerRequest request, ServerResponse response, EdgeIdentity caller) {
        issue(
                request,
                response,
                caller,
                body -> {
                    Fields.onlyKnown(body, "", Set.of("expires_after", "session"));
                    ObjectNode requested =
                            body.hasNonNull("session") ? Fields.object(body.get("session"), "session") : Json.object();
                    return new Request(requested, ttl(body.get("expires_after")));
                },
                (session, secret) -> {
                    ObjectNode result = Json.object();
                    result.put("value", secret.path("value").asText());
                    result.put("expires_at", secret.path("expires_at").asLong());
                    result.set("session", session.toJson());
                    return result;
                });
    }

    private void createBeta(ServerRequest request, ServerResponse response, EdgeIdentity caller) {
        issue(
                request,
                response,
                caller,
                body -> new Request(Dialect.BETA.sessionConfig(body), BETA_TTL_SECONDS),
                (session, secret) -> {
                    ObjectNode result = Dialect.BETA.session(session.toJson());
                    result.putObject("client_secret")
                            .put("value", secret.path("value").asText())
                            .put("expires_at", secret.path("expires_at").asLong());
                    return result;
                });
    }

    /** What a request asks for: GA session settings and the secret's lifetime. */
    private record Request(ObjectNode session, long ttlSeconds) {}

    /**
     * The one way both endpoints issue a secret: read the request in its dialect, check the settings
     * by the session's rules, have tenants sign it, answer in the dialect's shape.
     */
    private void issue(
            ServerRequest request,
            ServerResponse response,
            EdgeIdentity caller,
            Function<ObjectNode, Request> read,
            BiFunction<SessionConfig, JsonNode, ObjectNode> answer) {
        ObjectNode body = Http.body(request);
        try {
            Request asked = read.apply(body);
            SessionConfig session = validated(asked.session());
            String authorization =
                    request.headers().first(HeaderNames.AUTHORIZATION).orElse("");
            TenantsClient.Answer minted = gateway.tenants()
                    .mintClientSecret(authorization, caller.tenant(), asked.ttlSeconds(), asked.session());
            if (minted.status() != 200) {
                relay(response, minted);
                return;
            }
            Http.json(response, Status.OK_200, answer.apply(session, Json.parse(minted.body())));
        } catch (RealtimeError e) {
            throw new ApiError(Status.BAD_REQUEST_400, e.type(), e.code(), e.getMessage(), e.param());
        } catch (JsonProcessingException e) {
            throw new ApiError(
                    Status.BAD_GATEWAY_502,
                    "server_error",
                    "bad_gateway",
                    "The tenants service answered unreadably.",
                    null);
        }
    }

    private static void relay(ServerResponse response, TenantsClient.Answer answer) {
        response.status(Status.create(answer.status()));
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(answer.body());
    }

    /** The settings as the session they would make, checked by the same rules as session.update. */
    private SessionConfig validated(ObjectNode requested) {
        SessionConfig session = SessionConfig.defaults(
                Ids.session(),
                gateway.settings().defaultModel(),
                System.currentTimeMillis() / 1000
                        + gateway.settings().sessionMaxDuration().toSeconds(),
                "");
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

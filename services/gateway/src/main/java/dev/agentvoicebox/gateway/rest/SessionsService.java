package dev.agentvoicebox.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Gateway;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Http;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;

/**
 * The caller's live sessions on every gateway instance: list, inspect (with its items), and cancel;
 * a project-scoped key sees its project's only.
 * Cancelling a session owned by another instance sends that instance a {@code session.cancel}.
 */
public final class SessionsService implements HttpService {
    private final Gateway gateway;
    private final StreamPublisher publisher;

    public SessionsService(Gateway gateway) {
        this.gateway = gateway;
        this.publisher = new StreamPublisher(gateway.redis().shared());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/sessions", Http.handler(this::list))
                .get("/sessions/{id}", Http.handler(this::inspect))
                .delete("/sessions/{id}", Http.handler(this::cancel));
    }

    private void list(ServerRequest request, ServerResponse response, EdgeIdentity caller) {
        ObjectNode body = Json.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        for (Map<String, String> session : gateway.store().list(caller.tenant())) {
            if (caller.projectScope().isPresent()
                    && !caller.projectScope().get().equals(session.get("project_id"))) {
                continue;
            }
            data.add(summary(session));
        }
        Http.json(response, Status.OK_200, body);
    }

    private void inspect(ServerRequest request, ServerResponse response, EdgeIdentity caller) {
        Map<String, String> session = owned(request, caller);
        String id = session.get("id");
        ObjectNode body = summary(session);
        try {
            body.set("session", Json.parse(session.getOrDefault("config", "{}")));
            ArrayNode items = body.putArray("items");
            Map<String, String> stored = gateway.store().items(id);
            for (String itemId : gateway.store().itemOrder(id)) {
                String item = stored.get(itemId);
                if (item != null) {
                    items.add(Json.parse(item));
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored session " + id + " is not JSON", e);
        }
        Http.json(response, Status.OK_200, body);
    }

    private void cancel(ServerRequest request, ServerResponse response, EdgeIdentity caller) {
        Map<String, String> s = owned(request, caller);
        publisher.publish(
                Streams.gatewayStream(s.get("gateway")),
                new Envelope(
                        Kinds.SESSION_CANCEL,
                        s.get("tenant_id"),
                        s.get("project_id"),
                        s.get("id"),
                        "",
                        "",
                        0,
                        0,
                        "",
                        "",
                        "",
                        1,
                        Json.write(Json.object().put("reason", "cancelled through the sessions API"))));
        ObjectNode body = summary(s);
        body.put("status", "cancelling");
        Http.json(response, Status.ACCEPTED_202, body);
    }

    /** The session if it exists and is the caller's tenant's; a 404 otherwise, so ids do not leak. */
    private Map<String, String> owned(ServerRequest request, EdgeIdentity caller) {
        String id = request.path().pathParameters().get("id");
        return gateway.store()
                .find(id)
                .filter(s -> caller.tenant().equals(s.get("tenant_id")))
                .filter(s -> caller.projectScope()
                        .map(p -> p.equals(s.get("project_id")))
                        .orElse(true))
                .orElseThrow(() -> new ApiError(
                        Status.NOT_FOUND_404,
                        ApiError.INVALID_REQUEST,
                        "session_not_found",
                        "No live session with id '" + id + "'.",
                        "id"));
    }

    private static ObjectNode summary(Map<String, String> session) {
        ObjectNode summary = Json.object();
        summary.put("id", session.get("id"));
        summary.put("object", "realtime.session");
        summary.put("status", session.getOrDefault("status", "active"));
        summary.put("project_id", session.get("project_id"));
        summary.put("gateway", session.get("gateway"));
        summary.put("created_at", Long.parseLong(session.getOrDefault("created_at", "0")) / 1000);
        summary.put("expires_at", Long.parseLong(session.getOrDefault("expires_at", "0")) / 1000);
        return summary;
    }
}

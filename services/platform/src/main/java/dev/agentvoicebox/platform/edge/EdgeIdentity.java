package dev.agentvoicebox.platform.edge;

import io.helidon.webserver.http.ServerRequest;
import java.util.Map;
import java.util.Optional;

/**
 * Who a request is for, as the edge policy established it. Services read identity only through
 * {@link #of(ServerRequest)}, never from raw {@code x-avb-*} request headers: in {@code self} mode a
 * client could send those itself, and the policy's answer is what counts.
 *
 * @param tenant  the tenant the request acts on (the key's tenant; for a platform admin the
 *                {@code {tenant}} path segment, or empty)
 * @param project the key's project scope, or empty for all projects
 * @param role    {@code admin | user | readonly | platform_admin}
 * @param keyId   the key's jti (a client secret's own jti)
 * @param kind    {@code api_key | client_secret}
 */
public record EdgeIdentity(String tenant, String project, String role, String tier, String keyId, String kind) {
    public static final String TENANT = "x-avb-tenant";
    public static final String PROJECT = "x-avb-project";
    public static final String ROLE = "x-avb-role";
    public static final String TIER = "x-avb-tier";
    public static final String KEY_ID = "x-avb-key-id";
    public static final String KIND = "x-avb-key-kind";

    public static Optional<EdgeIdentity> of(ServerRequest request) {
        return request.context().get(EdgeIdentity.class, EdgeIdentity.class);
    }

    static EdgeIdentity fromHeaders(Map<String, String> h) {
        return new EdgeIdentity(
                h.getOrDefault(TENANT, ""),
                h.getOrDefault(PROJECT, ""),
                h.getOrDefault(ROLE, ""),
                h.getOrDefault(TIER, ""),
                h.getOrDefault(KEY_ID, ""),
                h.getOrDefault(KIND, ""));
    }

    public boolean platformAdmin() {
        return "platform_admin".equals(role);
    }

    public Optional<String> projectScope() {
        return project.isEmpty() ? Optional.empty() : Optional.of(project);
    }
}

package dev.agentvoicebox.platform.auth;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a verified API key or {@code ek_} client secret says about its holder.
 *
 * @param tenant  the tenant id; null for a platform admin key
 * @param project the project the key is scoped to, or null for every project of the tenant
 * @param role    {@code admin | user | readonly}, or {@code platform_admin}
 * @param kind    {@code api_key} or {@code client_secret}
 * @param parent  for a client secret, the jti of the key that minted it (revoking it revokes both)
 * @param session for a client secret, the session settings it carries (empty otherwise)
 */
public record KeyClaims(
        String tenant,
        String project,
        String role,
        String tier,
        List<String> scopes,
        String jti,
        Instant expiresAt,
        String kind,
        String parent,
        Map<String, Object> session) {
    public static final String ROLE_PLATFORM_ADMIN = "platform_admin";
    public static final String KIND_API_KEY = "api_key";
    public static final String KIND_CLIENT_SECRET = "client_secret";

    public boolean platformAdmin() {
        return ROLE_PLATFORM_ADMIN.equals(role);
    }

    public boolean clientSecret() {
        return KIND_CLIENT_SECRET.equals(kind);
    }
}

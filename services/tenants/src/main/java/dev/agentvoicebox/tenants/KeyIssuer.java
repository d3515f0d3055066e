package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentvoicebox.platform.auth.KeyClaims;
import dev.agentvoicebox.platform.auth.KeyVerifier;
import dev.agentvoicebox.platform.http.Json;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Mints API keys and {@code ek_} client secrets as JWTs signed by {@link SigningKeys}. */
final class KeyIssuer {
    static final Map<String, List<String>> SCOPES = Map.of(
            "admin",
            List.of("realtime", "sessions:read", "sessions:write", "keys:read", "keys:write", "projects:write"),
            "user",
            List.of("realtime", "sessions:read", "sessions:write"),
            "readonly",
            List.of("sessions:read", "keys:read"),
            KeyClaims.ROLE_PLATFORM_ADMIN,
            List.of("*"));

    private final SigningKeys keys;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    KeyIssuer(SigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    record Issued(String id, String token, Instant issuedAt, Instant expiresAt) {}

    String newId(String prefix) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    Issued apiKey(String tenant, String project, String role, String tier, Duration lifetime) {
        String id = newId(KeyClaims.ROLE_PLATFORM_ADMIN.equals(role) ? "pak_" : "key_");
        Instant now = clock.instant();
        Instant exp = now.plus(lifetime);
        JWTClaimsSet.Builder claims = base(id, now, exp)
                .subject(id)
                .claim("kind", KeyClaims.KIND_API_KEY)
                .claim("role", role)
                .claim("scopes", SCOPES.get(role));
        if (tenant != null) {
            claims.claim("tenant", tenant).claim("tier", tier);
        }
        if (project != null) {
            claims.claim("project", project);
        }
        return new Issued(id, keys.sign(claims.build()), now, exp);
    }

    /** A client secret: opens one realtime session as its parent key's tenant and project. */
    Issued clientSecret(
            String tenant, String project, String tier, String parentJti, ObjectNode session, Duration ttl) {
        String id = newId("eks_");
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        JWTClaimsSet.Builder claims = base(id, now, exp)
                .subject(parentJti)
                .claim("kind", KeyClaims.KIND_CLIENT_SECRET)
                .claim("role", "user")
                .claim("scopes", List.of("realtime"))
                .claim("tenant", tenant)
                .claim("tier", tier)
                .claim("parent", parentJti)
                .claim("session", Json.MAPPER.convertValue(session, Map.class));
        if (project != null && !project.isEmpty()) {
            claims.claim("project", project);
        }
        return new Issued(id, KeyVerifier.CLIENT_SECRET_PREFIX + keys.sign(claims.build()), now, exp);
    }

    private static JWTClaimsSet.Builder base(String id, Instant now, Instant exp) {
        return new JWTClaimsSet.Builder()
                .issuer(KeyVerifier.ISSUER)
                .audience(KeyVerifier.AUDIENCE)
                .jwtID(id)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp));
    }
}

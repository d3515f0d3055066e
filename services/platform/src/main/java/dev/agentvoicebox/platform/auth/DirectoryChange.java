package dev.agentvoicebox.platform.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * What the tenants service announces on the Redis channel {@link #CHANNEL} after each change to the
 * directory OPA's data bundle is made of. Gateways end the live sessions a revocation or a
 * suspension concerns at once, and drop cached policy decisions of a changed tenant; tenants
 * replicas answer the bundle long polls they hold. A message lost while a subscriber was
 * disconnected is caught by the gateways' periodic access recheck.
 *
 * <pre>
 * {"change": "key_revoked", "tenant": "acme", "key": "key_…"}
 * {"change": "tenant_suspended", "tenant": "acme"}
 * {"change": "tenant_changed", "tenant": "acme"}
 * {"change": "signing_keys_changed"}
 * </pre>
 *
 * @param key the revoked key's jti; a client secret minted with it names it as its parent
 */
public record DirectoryChange(Kind kind, String tenant, String key) {
    public static final String CHANNEL = "avb:directory";
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind {
        KEY_REVOKED,
        TENANT_SUSPENDED,
        TENANT_CHANGED,
        SIGNING_KEYS_CHANGED
    }

    public static DirectoryChange keyRevoked(String tenant, String key) {
        return new DirectoryChange(Kind.KEY_REVOKED, tenant, key);
    }

    public static DirectoryChange tenantSuspended(String tenant) {
        return new DirectoryChange(Kind.TENANT_SUSPENDED, tenant, null);
    }

    public static DirectoryChange tenantChanged(String tenant) {
        return new DirectoryChange(Kind.TENANT_CHANGED, tenant, null);
    }

    public static DirectoryChange signingKeysChanged() {
        return new DirectoryChange(Kind.SIGNING_KEYS_CHANGED, null, null);
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("change", kind.name().toLowerCase());
        if (tenant != null) {
            node.put("tenant", tenant);
        }
        if (key != null) {
            node.put("key", key);
        }
        return node.toString();
    }

    /** Empty for a message this version does not understand (a newer publisher's kind, or garbage). */
    public static Optional<DirectoryChange> parse(String message) {
        try {
            JsonNode node = JSON.readTree(message);
            Kind kind = Kind.valueOf(node.path("change").asText().toUpperCase());
            return Optional.of(new DirectoryChange(
                    kind, node.path("tenant").asText(null), node.path("key").asText(null)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

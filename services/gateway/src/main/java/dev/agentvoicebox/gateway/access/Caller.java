package dev.agentvoicebox.gateway.access;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Who is calling, as the edge policy established it at the handshake.
 *
 * @param keyId           the key's jti (a client secret's own)
 * @param parentKeyId     for a client secret, the jti of the key that minted it (revoking either ends the session)
 * @param sessionDefaults session settings a client secret carries, or null
 */
public record Caller(
        String tenantId, String projectId, String tier, String keyId, String parentKeyId, ObjectNode sessionDefaults) {

    /** Whether revoking key {@code jti} takes this caller's access: its own key, or its client secret's parent. */
    public boolean usesKey(String jti) {
        return jti != null && (jti.equals(keyId) || jti.equals(parentKeyId));
    }
}

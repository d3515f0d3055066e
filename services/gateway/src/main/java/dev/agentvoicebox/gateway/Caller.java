package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Who is calling, as established at the handshake or REST request.
 *
 * @param sessionDefaults session settings an ephemeral client secret carries, or null
 */
public record Caller(String tenantId, String projectId, String keyId, ObjectNode sessionDefaults) {
    public boolean ephemeral() {
        return keyId.startsWith("ek_");
    }
}

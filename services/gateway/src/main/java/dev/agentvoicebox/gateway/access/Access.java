package dev.agentvoicebox.gateway.access;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.InvalidKeyException;
import dev.agentvoicebox.platform.auth.KeyClaims;
import dev.agentvoicebox.platform.auth.KeyVerifier;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.edge.EdgeDecision;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.limits.RateLimiter;
import dev.agentvoicebox.platform.policy.SessionPolicy;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Who may do what: the edge decision (OPA through ext_authz, or the mesh's injected identity), the
 * claims of client secrets, revocations, the in-session policy and the rate limits.
 */
public final class Access implements AutoCloseable {
    private final EdgeAuthz edge;
    private final KeyVerifier verifier;
    private final Revocations revocations;
    private final SessionPolicy policy;
    private final RateLimiter limiter;
    private final ConcurrentHashMap<String, Admission> admitted = new ConcurrentHashMap<>();
    private static final long ADMISSION_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);

    public Access(
            EdgeAuthz edge, KeyVerifier verifier, Revocations revocations, SessionPolicy policy, RateLimiter limiter) {
        this.edge = edge;
        this.verifier = verifier;
        this.revocations = revocations;
        this.policy = policy;
        this.limiter = limiter;
    }

    public EdgeAuthz edge() {
        return edge;
    }

    public SessionPolicy policy() {
        return policy;
    }

    public RateLimiter limiter() {
        return limiter;
    }

    /** The edge decision for a WebSocket handshake (its path and query as sent). */
    public EdgeDecision checkHandshake(HttpPrologue prologue, Headers headers) {
        String query = prologue.query().rawValue();
        String path = prologue.uriPath().rawPath() + (query == null || query.isEmpty() ? "" : "?" + query);
        return edge.check("GET", path, headers);
    }

    /**
     * Hands an admitted handshake's decision from the HTTP filter to the WebSocket listener of the
     * same upgrade (named by its lease, the random Sec-WebSocket-Key), so the edge is asked once per
     * connection. An upgrade that never reaches the listener leaves its entry to be swept.
     */
    public void admit(String lease, EdgeDecision decision) {
        long now = System.nanoTime();
        admitted.values().removeIf(a -> now - a.atNanos() > ADMISSION_TTL_NANOS);
        admitted.put(lease, new Admission(decision, now));
    }

    public Optional<EdgeDecision> takeAdmitted(String lease) {
        Admission admission = lease == null ? null : admitted.remove(lease);
        return Optional.ofNullable(admission).map(Admission::decision);
    }

    private record Admission(EdgeDecision decision, long atNanos) {}

    /**
     * The caller an allowed handshake is for. A client secret's session settings and parent key come
     * from its own verified claims: the edge identity carries neither.
     */
    public Optional<Caller> caller(EdgeDecision decision, Headers headers, String queryKey) {
        if (!decision.allowed()) {
            return Optional.empty();
        }
        EdgeIdentity identity = decision.identity();
        ObjectNode sessionDefaults = null;
        String parent = null;
        if ("client_secret".equals(identity.kind())) {
            try {
                KeyClaims claims = verifier.verify(Credentials.token(headers, queryKey));
                parent = claims.parent();
                if (claims.session() != null && !claims.session().isEmpty()) {
                    sessionDefaults = Json.MAPPER.valueToTree(claims.session());
                }
            } catch (InvalidKeyException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new Caller(
                identity.tenant(), identity.project(), identity.tier(), identity.keyId(), parent, sessionDefaults));
    }

    /** True when the caller's key, or the key that minted its client secret, has been revoked. */
    public boolean revoked(Caller caller) {
        return revocations.revoked(caller.keyId())
                || (caller.parentKeyId() != null && revocations.revoked(caller.parentKeyId()));
    }

    @Override
    public void close() {
        edge.close();
    }
}

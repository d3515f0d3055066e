package dev.agentvoicebox.gateway.access;

import dev.agentvoicebox.platform.edge.EdgeDecision;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import dev.agentvoicebox.platform.limits.Limits;
import dev.agentvoicebox.platform.policy.PolicyUnavailableException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.websocket.WsUpgrader;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Answers a {@code /v1/realtime} handshake that may not become a session before the WebSocket
 * upgrade runs (upgrades are routed through HTTP filters), with the JSON statuses clients do not
 * retry: the edge policy's 401/403, 429 when the tenant's concurrent-session limit is reached, 503
 * when the policy or Redis cannot be reached or this instance already holds its maximum of live
 * sessions (a client, or a load balancer, tries again elsewhere or later). An admitted handshake
 * holds a session lease named by its {@code Sec-WebSocket-Key}, which the session renews and releases.
 */
public final class HandshakeAuthFilter implements Filter {
    public static final String PATH = "/v1/realtime";
    public static final Duration LEASE = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(HandshakeAuthFilter.class.getName());

    private final Access access;
    private final IntSupplier liveSessions;
    private final int maxSessions;

    public HandshakeAuthFilter(Access access, IntSupplier liveSessions, int maxSessions) {
        this.access = access;
        this.liveSessions = liveSessions;
        this.maxSessions = maxSessions;
    }

    /** The lease of a handshake: every upgrade request carries a fresh random key. */
    public static String leaseId(io.helidon.http.Headers headers) {
        return headers.first(WsUpgrader.WS_KEY).map(key -> "ws:" + key).orElse(null);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (!PATH.equals(request.path().path())) {
            chain.proceed();
            return;
        }
        EdgeDecision decision = access.checkHandshake(request.prologue(), request.headers());
        decision.responseHeaders().forEach((name, value) -> response.header(HeaderNames.create(name), value));
        if (!decision.allowed()) {
            response.status(Status.create(decision.status()));
            response.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
            response.send(decision.body());
            return;
        }
        String lease = leaseId(request.headers());
        if (lease == null) {
            chain.proceed(); // not an upgrade: the handshake service answers 426
            return;
        }
        if (liveSessions.getAsInt() >= maxSessions) {
            response.header(HeaderNames.RETRY_AFTER, "5");
            new ApiError(
                            Status.SERVICE_UNAVAILABLE_503,
                            "server_error",
                            "server_overloaded",
                            "This gateway instance holds its maximum of " + maxSessions
                                    + " live sessions. Retry shortly.",
                            null)
                    .send(response);
            return;
        }
        EdgeIdentity identity = decision.identity();
        LimitOutcome sessions;
        try {
            Limits limits = Limits.of(access.policy()
                    .decide(identity.tenant(), identity.project())
                    .limits());
            sessions = access.limiter().acquireSession(identity.tenant(), limits, lease, LEASE);
        } catch (PolicyUnavailableException | RuntimeException e) {
            LOG.log(Level.WARNING, "refusing a new session: limits unavailable: " + e.getMessage());
            new ApiError(
                            Status.SERVICE_UNAVAILABLE_503,
                            "server_error",
                            "service_unavailable",
                            "New sessions are refused for now: the session limits cannot be checked. Live sessions go on.",
                            null)
                    .send(response);
            return;
        }
        if (!sessions.allowed()) {
            response.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, sessions.retryAfterSeconds())));
            new ApiError(
                            Status.TOO_MANY_REQUESTS_429,
                            "rate_limit_error",
                            "concurrent_sessions_exceeded",
                            "This tenant already has " + sessions.limit()
                                    + " live sessions, its limit. Close one and retry.",
                            null)
                    .send(response);
            return;
        }
        access.admit(lease, decision);
        chain.proceed();
    }
}

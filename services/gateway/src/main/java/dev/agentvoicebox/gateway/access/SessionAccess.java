package dev.agentvoicebox.gateway.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import dev.agentvoicebox.platform.limits.Limits;
import dev.agentvoicebox.platform.policy.PolicyUnavailableException;
import dev.agentvoicebox.platform.policy.SessionDecision;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One session's access after the handshake: what the tenant's policy lets it use, the rate limits
 * its turns spend, its concurrent-session lease, and whether its key and tenant may still go on.
 */
public final class SessionAccess {
    private static final Logger LOG = Logger.getLogger(SessionAccess.class.getName());

    private final Access access;
    private final Caller caller;
    /** The concurrent-session lease the handshake took; renewed by the heartbeat, released at the end. */
    private final String lease;

    private final Duration recheck;
    private long lastCheck = System.nanoTime();

    public SessionAccess(Access access, Caller caller, String lease, Duration recheck) {
        this.access = access;
        this.caller = caller;
        this.lease = lease;
        this.recheck = recheck;
    }

    /** Why a live session has to end: the error the client is told and the close code. */
    public record Refusal(RealtimeError error, int closeCode) {}

    /** The tenant's policy decision (OPA, cached for 60 s). */
    public SessionDecision decision() {
        try {
            return access.policy().decide(caller.tenantId(), caller.projectId());
        } catch (PolicyUnavailableException e) {
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "policy_unavailable",
                    "The session policy cannot be checked right now; try again shortly.",
                    null);
        }
    }

    private Limits limits() {
        return Limits.of(decision().limits());
    }

    /**
     * Holds session settings (an update, or a response's overrides) to what the tenant may use:
     * voices, output modalities, tools. Nothing is applied when one is refused.
     */
    public void police(ObjectNode changes, String path) {
        SessionDecision decision = decision();
        JsonNode voice = changes.path("audio").path("output").get("voice");
        if (voice != null && voice.isTextual() && !decision.voiceAllowed(voice.asText())) {
            throw RealtimeError.invalidValue(
                    path + ".audio.output.voice",
                    "The voice '" + voice.asText() + "' is not available to this tenant; its voices are "
                            + String.join(", ", decision.voices()) + ".");
        }
        JsonNode modalities = changes.get("output_modalities");
        if (modalities != null && modalities.isArray()) {
            for (int i = 0; i < modalities.size(); i++) {
                if (!decision.modalityAllowed(modalities.get(i).asText())) {
                    throw RealtimeError.invalidValue(
                            path + ".output_modalities[" + i + "]",
                            "The output modality '" + modalities.get(i).asText()
                                    + "' is not available to this tenant.");
                }
            }
        }
        JsonNode tools = changes.get("tools");
        if (tools != null && tools.isArray()) {
            for (int i = 0; i < tools.size(); i++) {
                String name = tools.get(i).path("name").asText();
                if (!decision.toolAllowed(name)) {
                    throw RealtimeError.invalidValue(
                            path + ".tools[" + i + "].name", "The tool '" + name + "' is blocked for this tenant.");
                }
            }
        }
    }

    /** The tools the model may see: a tool blocked since it was configured is not offered. */
    public JsonNode offered(JsonNode tools) {
        SessionDecision decision = decision();
        ArrayNode allowed = Json.MAPPER.createArrayNode();
        tools.forEach(tool -> {
            if (decision.toolAllowed(tool.path("name").asText())) {
                allowed.add(tool);
            }
        });
        return allowed;
    }

    /**
     * Takes one response from the tenant's budget, or refuses with the limit that is spent. The
     * token check takes nothing, so a refusal leaves every budget as it was.
     */
    public List<LimitOutcome> admitResponse() {
        Limits limits = limits();
        try {
            LimitOutcome tokens = access.limiter().checkTokens(caller.tenantId(), limits);
            if (!tokens.allowed()) {
                throw RealtimeError.rateLimited("tokens_per_minute", tokens.limit(), tokens.retryAfterSeconds());
            }
            LimitOutcome responses = access.limiter().acquireResponse(caller.tenantId(), limits);
            if (!responses.allowed()) {
                throw RealtimeError.rateLimited(
                        "responses_per_minute", responses.limit(), responses.retryAfterSeconds());
            }
            return List.of(responses, tokens);
        } catch (RuntimeException e) {
            if (e instanceof RealtimeError refused) {
                throw refused;
            }
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "rate_limits_unavailable",
                    "The rate limits cannot be checked right now, so no response was started.",
                    null);
        }
    }

    /** Takes a committed turn's audio from the tenant's daily allowance, or refuses the turn. */
    public void admitAudio(long durationMs) {
        long seconds = Math.max(1, (durationMs + 999) / 1000);
        LimitOutcome allowance;
        try {
            allowance = access.limiter().acquireAudio(caller.tenantId(), limits(), seconds);
        } catch (RuntimeException e) {
            if (e instanceof RealtimeError refused) {
                throw refused;
            }
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "rate_limits_unavailable",
                    "The audio allowance cannot be checked right now, so the turn was not committed.",
                    null);
        }
        if (!allowance.allowed()) {
            throw RealtimeError.rateLimited(
                    "audio_minutes_per_day", allowance.limit() / 60, allowance.retryAfterSeconds());
        }
    }

    public void recordTokens(String responseId, long tokens) {
        try {
            access.limiter().recordTokens(caller.tenantId(), limits(), tokens);
        } catch (RuntimeException e) {
            LOG.warning("could not record the tokens of " + responseId + ": " + e.getMessage());
        }
    }

    public void recordAudio(String sessionId, long durationMs) {
        try {
            access.limiter().recordAudio(caller.tenantId(), limits(), Math.max(1, (durationMs + 999) / 1000));
        } catch (RuntimeException e) {
            LOG.warning("could not record spoken audio for " + sessionId + ": " + e.getMessage());
        }
    }

    /**
     * Renews the session's lease and, once per recheck interval, asks whether its key and tenant may
     * go on. Redis or OPA away is no reason to end a live session: the next heartbeat tries again.
     */
    public Optional<Refusal> renew(String sessionId) {
        try {
            if (lease != null) {
                access.limiter().acquireSession(caller.tenantId(), limits(), lease, HandshakeAuthFilter.LEASE);
            }
            if (System.nanoTime() - lastCheck >= recheck.toNanos()) {
                lastCheck = System.nanoTime();
                return recheck();
            }
        } catch (RuntimeException e) {
            LOG.fine(() -> "heartbeat checks failed for " + sessionId + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Checks the key and the tenant now, as the next due heartbeat would: announcements may have been missed. */
    public Optional<Refusal> recheckNow(String sessionId) {
        lastCheck = System.nanoTime();
        try {
            return recheck();
        } catch (RuntimeException e) {
            LOG.fine(() -> "access recheck failed for " + sessionId + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * What an announced change means for this session: a revoked key (its own, or the one that
     * minted its client secret) or a suspended tenant ends it now rather than at the next recheck.
     */
    public Optional<Refusal> refusalFor(DirectoryChange change) {
        return switch (change.kind()) {
            case KEY_REVOKED -> caller.usesKey(change.key()) ? Optional.of(revoked()) : Optional.empty();
            case TENANT_SUSPENDED ->
                caller.tenantId().equals(change.tenant())
                        ? Optional.of(notAllowed("tenant_suspended"))
                        : Optional.empty();
            default -> Optional.empty();
        };
    }

    private Optional<Refusal> recheck() {
        if (access.revoked(caller)) {
            return Optional.of(revoked());
        }
        SessionDecision decision = decision();
        return decision.allowed() ? Optional.empty() : Optional.of(notAllowed(decision.reason()));
    }

    private static Refusal revoked() {
        return new Refusal(
                new RealtimeError(
                        RealtimeError.INVALID_REQUEST,
                        "api_key_revoked",
                        "The key this session was opened with has been revoked.",
                        null),
                4001);
    }

    private static Refusal notAllowed(String reason) {
        return new Refusal(
                new RealtimeError(
                        RealtimeError.INVALID_REQUEST,
                        "tenant_not_allowed",
                        "This tenant may no longer open sessions: " + reason + ".",
                        null),
                4003);
    }

    /** Gives the concurrent-session lease back; one that cannot be released lapses by itself. */
    public void release() {
        if (lease != null) {
            try {
                access.limiter().releaseSession(caller.tenantId(), lease);
            } catch (RuntimeException e) {
                LOG.fine("session lease " + lease + " lapses by itself: " + e.getMessage());
            }
        }
    }
}

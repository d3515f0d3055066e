package dev.agentvoicebox.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message on a Redis stream between services. Every field is a flat string so the envelope is
 * readable with redis-cli and needs no schema registry; the payload is a JSON document whose shape
 * depends on {@link #kind()} (see the module README for the contract).
 *
 * @param kind        what the message is, one of {@link Kinds}
 * @param deadlineMs  epoch milliseconds after which the work is worthless and may be dropped
 * @param replyTo     the stream of the gateway instance that owns the session
 * @param attempt     1 for the first delivery of a job; reclaimed jobs count up, results echo it
 * @param seq         position of a result within one response, so the owner can order and dedupe
 */
public record Envelope(
        String kind,
        String tenantId,
        String projectId,
        String sessionId,
        String responseId,
        String itemId,
        long seq,
        long deadlineMs,
        String traceparent,
        String tracestate,
        String replyTo,
        int attempt,
        String payload) {

    public static final String VERSION = "1";

    public Envelope {
        Objects.requireNonNull(kind, "kind");
        tenantId = nullToEmpty(tenantId);
        projectId = nullToEmpty(projectId);
        sessionId = nullToEmpty(sessionId);
        responseId = nullToEmpty(responseId);
        itemId = nullToEmpty(itemId);
        traceparent = nullToEmpty(traceparent);
        tracestate = nullToEmpty(tracestate);
        replyTo = nullToEmpty(replyTo);
        payload = payload == null ? "{}" : payload;
        attempt = Math.max(1, attempt);
    }

    public Map<String, String> toFields() {
        Map<String, String> fields = new HashMap<>();
        fields.put("v", VERSION);
        fields.put("kind", kind);
        fields.put("tenant_id", tenantId);
        fields.put("project_id", projectId);
        fields.put("session_id", sessionId);
        fields.put("response_id", responseId);
        fields.put("item_id", itemId);
        fields.put("seq", Long.toString(seq));
        fields.put("deadline_ms", Long.toString(deadlineMs));
        fields.put("traceparent", traceparent);
        fields.put("tracestate", tracestate);
        fields.put("reply_to", replyTo);
        fields.put("attempt", Integer.toString(attempt));
        fields.put("payload", payload);
        return fields;
    }

    /** Parses stream fields; a message of another envelope version is refused rather than misread. */
    public static Envelope fromFields(Map<String, String> fields) {
        String version = fields.get("v");
        if (!VERSION.equals(version)) {
            throw new IllegalArgumentException("unsupported envelope version: " + version);
        }
        String kind = fields.get("kind");
        if (kind == null || kind.isEmpty()) {
            throw new IllegalArgumentException("envelope without kind");
        }
        return new Envelope(
                kind,
                fields.get("tenant_id"),
                fields.get("project_id"),
                fields.get("session_id"),
                fields.get("response_id"),
                fields.get("item_id"),
                parseLong(fields.get("seq")),
                parseLong(fields.get("deadline_ms")),
                fields.get("traceparent"),
                fields.get("tracestate"),
                fields.get("reply_to"),
                (int) parseLong(fields.get("attempt")),
                fields.get("payload"));
    }

    /** A result that answers this job: same routing and trace fields, a new kind, seq and payload. */
    public Envelope reply(String resultKind, long resultSeq, String resultPayload) {
        return new Envelope(
                resultKind,
                tenantId,
                projectId,
                sessionId,
                responseId,
                itemId,
                resultSeq,
                deadlineMs,
                traceparent,
                tracestate,
                replyTo,
                attempt,
                resultPayload);
    }

    public Envelope withAttempt(int newAttempt) {
        return new Envelope(
                kind,
                tenantId,
                projectId,
                sessionId,
                responseId,
                itemId,
                seq,
                deadlineMs,
                traceparent,
                tracestate,
                replyTo,
                newAttempt,
                payload);
    }

    public boolean expired(long nowMs) {
        return deadlineMs > 0 && nowMs > deadlineMs;
    }

    private static long parseLong(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number in envelope: " + value, e);
        }
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}

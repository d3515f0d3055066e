package dev.agentvoicebox.gateway;

/**
 * A client mistake, reported as a Realtime {@code error} event; the session stays open and nothing
 * the event would have changed is applied.
 */
public final class RealtimeError extends RuntimeException {
    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    private final String type;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    public RealtimeError(String type, String code, String message, String param) {
        this(type, code, message, param, 0);
    }

    private RealtimeError(String type, String code, String message, String param, long retryAfterSeconds) {
        super(message, null, false, false);
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A refused request that will pass after {@code retryAfterSeconds}; nothing of it was done. */
    public static RealtimeError rateLimited(String limit, long limitValue, long retryAfterSeconds) {
        long retry = Math.max(1, retryAfterSeconds);
        return new RealtimeError(
                INVALID_REQUEST,
                "rate_limit_exceeded",
                "Rate limit reached for " + limit + " (limit " + limitValue + "). Nothing was started; retry after "
                        + retry + " s.",
                null,
                retry);
    }

    public static RealtimeError invalidEvent(String message) {
        return new RealtimeError(INVALID_REQUEST, "invalid_event", message, null);
    }

    public static RealtimeError oversizedEvent(long bytes) {
        return invalidEvent(
                "The event is " + bytes + " bytes; events are limited to 15 MiB. Nothing in it was applied.");
    }

    public static RealtimeError binaryMessage() {
        return invalidEvent("Binary messages are not part of the Realtime protocol; send events as JSON text.");
    }

    /** An operator, another gateway instance or a shutdown ended the session. */
    public static RealtimeError sessionEnded(String reason) {
        return new RealtimeError(INVALID_REQUEST, "session_cancelled", "The session was ended: " + reason, null);
    }

    public static RealtimeError sessionExpired(long maxMinutes) {
        return new RealtimeError(
                INVALID_REQUEST,
                "session_expired",
                "Your session hit the maximum duration of " + maxMinutes + " minutes.",
                null);
    }

    /**
     * Redis came back without this session (a restart without its data, a failover to a fresh node):
     * its record, items and lease are gone, so other instances can neither list nor cancel it.
     */
    public static RealtimeError sessionStateLost() {
        return new RealtimeError(
                SERVER_ERROR,
                "session_state_lost",
                "The server lost this session's state when its store restarted. Open a new session.",
                null);
    }

    /** The server failed handling an event; the message says nothing of why, the log does. */
    public static RealtimeError serverError() {
        return new RealtimeError(
                SERVER_ERROR, "server_error", "The server had an error while processing your request.", null);
    }

    public static RealtimeError missing(String param) {
        return new RealtimeError(
                INVALID_REQUEST, "missing_required_parameter", "Missing required parameter: '" + param + "'.", param);
    }

    public static RealtimeError unknown(String param) {
        return new RealtimeError(INVALID_REQUEST, "unknown_parameter", "Unknown parameter: '" + param + "'.", param);
    }

    public static RealtimeError invalidValue(String param, String message) {
        return new RealtimeError(INVALID_REQUEST, "invalid_value", message, param);
    }

    public static RealtimeError invalidType(String param, String expected) {
        return new RealtimeError(
                INVALID_REQUEST, "invalid_type", "Invalid type for '" + param + "': expected " + expected + ".", param);
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

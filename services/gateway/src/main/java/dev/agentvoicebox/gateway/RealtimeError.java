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

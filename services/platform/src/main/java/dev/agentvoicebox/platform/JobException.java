package dev.agentvoicebox.platform;

/**
 * A failed job. {@link #code()} is one of the protocol's worker error codes; the message is safe to
 * show the client (no keys, no prompt or transcript text, no raw upstream bodies).
 */
public final class JobException extends Exception {
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String UNSUPPORTED_LANGUAGE = "unsupported_language";
    public static final String UPSTREAM_ERROR = "upstream_error";
    public static final String TIMEOUT = "timeout";
    public static final String UNAVAILABLE = "unavailable";

    private final String code;

    public JobException(String code, String message) {
        super(message);
        this.code = code;
    }

    public JobException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

package dev.agentvoicebox.llm;

/**
 * A failed completion. {@link #code()} is one of the {@code llm.error} codes; the message is safe to
 * show the client (no keys, no prompt text, no raw upstream bodies beyond their error message).
 */
final class LlmException extends Exception {
    static final String UPSTREAM_ERROR = "upstream_error";
    static final String TIMEOUT = "timeout";
    static final String INVALID_REQUEST = "invalid_request";
    static final String UNAVAILABLE = "unavailable";

    private final String code;

    LlmException(String code, String message) {
        super(message);
        this.code = code;
    }

    LlmException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    String code() {
        return code;
    }
}

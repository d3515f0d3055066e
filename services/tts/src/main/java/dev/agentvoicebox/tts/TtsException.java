package dev.agentvoicebox.tts;

/** A synthesis failure with a protocol code and a message safe to show the client. */
final class TtsException extends Exception {
    static final String INVALID_REQUEST = "invalid_request";
    static final String UPSTREAM_ERROR = "upstream_error";
    static final String TIMEOUT = "timeout";
    static final String UNAVAILABLE = "unavailable";

    private final String code;

    TtsException(String code, String message) {
        super(message);
        this.code = code;
    }

    String code() {
        return code;
    }
}

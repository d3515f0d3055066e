package dev.agentvoicebox.stt;

/** A transcription failure with a code from the protocol and a message safe to show the client. */
final class SttException extends Exception {
    static final String INVALID_REQUEST = "invalid_request";
    static final String UNSUPPORTED_LANGUAGE = "unsupported_language";
    static final String UPSTREAM_ERROR = "upstream_error";
    static final String TIMEOUT = "timeout";
    static final String UNAVAILABLE = "unavailable";

    private final String code;

    SttException(String code, String message) {
        super(message);
        this.code = code;
    }

    SttException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    String code() {
        return code;
    }
}

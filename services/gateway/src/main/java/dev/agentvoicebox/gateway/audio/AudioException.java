package dev.agentvoicebox.gateway.audio;

/**
 * Audio from the client that cannot be used. The message is written for the client (it never
 * contains audio bytes); {@link #param()} names the offending field so the gateway can fill
 * {@code error.param}, and {@link #code()} is the OpenAI error code to send with type
 * {@code invalid_request_error}. The session stays open.
 */
public final class AudioException extends Exception {
    private final String code;
    private final String param;

    public AudioException(String code, String param, String message) {
        super(message);
        this.code = code;
        this.param = param;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }
}

package dev.agentvoicebox.platform.auth;

/**
 * A key that does not verify. The message names the reason only, never the token, so it is safe to
 * log and to return to the caller.
 */
public final class InvalidKeyException extends Exception {
    private final String code;

    public InvalidKeyException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** {@code malformed | bad_signature | expired | revoked | invalid_claims | jwks_unavailable}. */
    public String code() {
        return code;
    }
}

package dev.agentvoicebox.platform.policy;

/** OPA did not answer, or answered something that is not a session decision. */
public final class PolicyUnavailableException extends Exception {
    public PolicyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

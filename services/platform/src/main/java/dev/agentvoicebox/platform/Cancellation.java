package dev.agentvoicebox.platform;

/** Lets work that a job started (a child process, an HTTP call) stop when the job is cancelled. */
public interface Cancellation {
    boolean cancelled();

    /** Runs {@code action} on cancel, at once if already cancelled. */
    void onCancel(Runnable action);
}

package dev.agentvoicebox.platform;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A time limit on an engine's child process. The process is killed when it outlives it, which also
 * ends any read of its output: a limit checked only after that read returns would never fire for a
 * process that hangs without writing.
 */
public final class ProcessDeadline {
    private final AtomicBoolean passed = new AtomicBoolean();

    private ProcessDeadline() {}

    /** From now on {@code process} may run {@code timeoutMs}. */
    public static ProcessDeadline of(Process process, long timeoutMs) {
        ProcessDeadline deadline = new ProcessDeadline();
        process.onExit().orTimeout(timeoutMs, TimeUnit.MILLISECONDS).exceptionally(e -> {
            deadline.passed.set(true);
            process.destroyForcibly();
            return null;
        });
        return deadline;
    }

    /** Whether the process was killed for running too long. */
    public boolean passed() {
        return passed.get();
    }
}

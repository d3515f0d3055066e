package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.ProcessDeadline;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Child-process helpers shared by the process engines. */
final class Processes {
    private Processes() {}

    /** Whether {@code binary --version} (or the given probe arguments) runs. */
    static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits for an engine process (its deadline kills it if need be) and turns its exit into an error the client may see. */
    static void finish(Process process, String engine, ProcessDeadline deadline, Cancellation cancel)
            throws JobException, InterruptedException {
        process.waitFor();
        if (deadline.passed()) {
            throw new JobException(JobException.TIMEOUT, "Speech synthesis took too long.");
        }
        if (!cancel.cancelled() && process.exitValue() != 0) {
            throw new JobException(JobException.UPSTREAM_ERROR, "The " + engine + " voice failed.");
        }
    }
}

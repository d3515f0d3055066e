package dev.agentvoicebox.tts;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;

/** Child-process helpers shared by the process engines. */
final class Processes {
    private Processes() {
    }

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

    /** Waits for a finished engine process and turns its exit into an error the client may see. */
    static void finish(Process process, String engine, long timeoutMs, Cancellation cancel)
            throws JobException, InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new JobException(JobException.TIMEOUT, "Speech synthesis took too long.");
        }
        if (!cancel.cancelled() && process.exitValue() != 0) {
            throw new JobException(JobException.UPSTREAM_ERROR, "The " + engine + " voice failed.");
        }
    }
}

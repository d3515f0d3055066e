package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.ProcessDeadline;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * espeak-ng (Debian) as a child process: text on stdin ({@code --stdin}, so text that starts with a
 * dash is not an option), WAV on stdout ({@code --stdout}) read while it is written. Voices are
 * espeak-ng names with an optional variant, e.g. {@code en-us+f3}. Speed scales the default
 * 175 words per minute, within espeak's 80–450. Cancel kills the process.
 */
final class EspeakEngine implements Engine {
    static final int DEFAULT_WPM = 175;

    private final String binary;
    private final long timeoutMs;

    EspeakEngine(String binary, long timeoutMs) {
        this.binary = binary;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public String name() {
        return "espeak";
    }

    @Override
    public boolean available() {
        return Processes.runs(binary, "--version");
    }

    static int wordsPerMinute(double speed) {
        return (int) Math.max(80, Math.min(450, Math.round(DEFAULT_WPM * speed)));
    }

    @Override
    public void synthesize(String text, String voice, double speed, Sink sink, Cancellation cancel)
            throws JobException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(List.of(
                            binary, "--stdout", "--stdin", "-v", voice, "-s", Integer.toString(wordsPerMinute(speed))))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new JobException(JobException.UNAVAILABLE, "The espeak voice is not installed.");
        }
        cancel.onCancel(process::destroyForcibly);
        ProcessDeadline deadline = ProcessDeadline.of(process, timeoutMs);
        try {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
            }
            WavReader wav = new WavReader(process.getInputStream());
            int rate = wav.open();
            // About 50 ms a chunk: espeak writes as it goes, so audio leaves early.
            wav.stream(sink, rate / 20 * 2);
        } catch (IOException e) {
            if (cancel.cancelled()) {
                return;
            }
            if (!deadline.passed()) {
                process.destroyForcibly();
                throw new JobException(JobException.UPSTREAM_ERROR, "The espeak voice failed.");
            }
            // killed for running too long: finish says so
        }
        Processes.finish(process, "espeak", deadline, cancel);
    }
}

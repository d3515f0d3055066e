package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.ProcessDeadline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * flite (Debian) as a child process. flite seeks in its output, so it writes a temporary WAV that is
 * read once it is done; the text goes in a file too ({@code -f}) so no text is taken for an option.
 * Speed maps to {@code duration_stretch = 1 / speed}. Voices: {@code kal16}, {@code slt},
 * {@code rms}, {@code awb}, {@code kal}.
 */
final class FliteEngine implements Engine {
    private final String binary;
    private final Path workDir;
    private final long timeoutMs;

    FliteEngine(String binary, Path workDir, long timeoutMs) {
        this.binary = binary;
        this.workDir = workDir;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public String name() {
        return "flite";
    }

    @Override
    public boolean available() {
        return Processes.runs(binary, "-lv");
    }

    @Override
    public void synthesize(String text, String voice, double speed, Sink sink, Cancellation cancel)
            throws JobException, InterruptedException {
        Path txt = null;
        Path wav = null;
        try {
            Files.createDirectories(workDir);
            txt = Files.createTempFile(workDir, "tts-", ".txt");
            wav = Files.createTempFile(workDir, "tts-", ".wav");
            Files.writeString(txt, text);
            Process process = new ProcessBuilder(List.of(
                            binary,
                            "-voice",
                            voice,
                            "--setf",
                            "duration_stretch=" + (1.0 / speed),
                            "-f",
                            txt.toString(),
                            "-o",
                            wav.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            cancel.onCancel(process::destroyForcibly);
            Processes.finish(process, "flite", ProcessDeadline.of(process, timeoutMs), cancel);
            if (cancel.cancelled()) {
                return;
            }
            try (InputStream in = Files.newInputStream(wav)) {
                WavReader reader = new WavReader(in);
                int rate = reader.open();
                reader.stream(sink, rate / 5 * 2);
            }
        } catch (IOException e) {
            if (!cancel.cancelled()) {
                throw new JobException(JobException.UPSTREAM_ERROR, "The flite voice failed.");
            }
        } finally {
            deleteQuietly(txt);
            deleteQuietly(wav);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}

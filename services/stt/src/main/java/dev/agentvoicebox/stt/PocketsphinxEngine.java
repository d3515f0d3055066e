package dev.agentvoicebox.stt;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.ProcessDeadline;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * CMU pocketsphinx (Debian {@code pocketsphinx} + {@code pocketsphinx-en-us}) as a child process:
 * {@code pocketsphinx_continuous -infile <wav>} prints one hypothesis line per utterance it finds.
 * Debian bookworm ships 0.8+5prealpha, whose library API is not the 5.x one an FFM binding would
 * target, so the CLI is the stable surface. The process is killed on cancel.
 *
 * <p>Only the US English model is packaged, so a request for another language is refused rather
 * than answered with English guesses.
 */
final class PocketsphinxEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(PocketsphinxEngine.class.getName());

    private final String binary;
    private final Path modelDir;
    private final Path workDir;
    private final long timeoutMs;

    /**
     * @param modelDir the en-us model folder (with {@code en-us/}, {@code en-us.lm.bin},
     *                 {@code cmudict-en-us.dict}); null for the binary's built-in default
     */
    PocketsphinxEngine(String binary, Path modelDir, Path workDir, long timeoutMs) {
        this.binary = binary;
        this.modelDir = modelDir;
        this.workDir = workDir;
        this.timeoutMs = timeoutMs;
    }

    /** Fails fast at start-up when the binary is missing, instead of on the first job. */
    void check() {
        try {
            Process p =
                    new ProcessBuilder(binary, "-h").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(
                    binary + " not found: install pocketsphinx and pocketsphinx-en-us" + " (make tools)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String name() {
        return "pocketsphinx";
    }

    @Override
    public String transcribe(
            byte[] pcm16k, String language, String prompt, Consumer<String> pieces, Cancellation cancel)
            throws JobException, InterruptedException {
        if (!language.isEmpty() && !language.toLowerCase(java.util.Locale.ROOT).startsWith("en")) {
            throw new JobException(
                    JobException.UNSUPPORTED_LANGUAGE,
                    "The local speech recogniser only knows English; language '" + language + "' is not available.");
        }
        Path wav = null;
        try {
            Files.createDirectories(workDir);
            wav = Files.createTempFile(workDir, "stt-", ".wav");
            Files.write(wav, Wav.of(pcm16k, SAMPLE_RATE));
            List<String> command = new ArrayList<>(List.of(binary, "-infile", wav.toString(), "-logfn", "/dev/null"));
            if (modelDir != null) {
                command.addAll(List.of(
                        "-hmm",
                        modelDir.resolve("en-us").toString(),
                        "-lm",
                        modelDir.resolve("en-us.lm.bin").toString(),
                        "-dict",
                        modelDir.resolve("cmudict-en-us.dict").toString()));
            }
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            cancel.onCancel(process::destroyForcibly);
            ProcessDeadline deadline = ProcessDeadline.of(process, timeoutMs);
            // It prints (and flushes) a line per utterance as it decodes, so each goes out at once.
            StringBuilder transcript = new StringBuilder();
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String utterance = line.strip();
                    if (!utterance.isEmpty() && !cancel.cancelled()) {
                        String piece = transcript.isEmpty() ? utterance : " " + utterance;
                        transcript.append(piece);
                        pieces.accept(piece);
                    }
                }
            }
            process.waitFor();
            if (deadline.passed()) {
                throw new JobException(JobException.TIMEOUT, "Transcription took too long.");
            }
            if (cancel.cancelled()) {
                return "";
            }
            if (process.exitValue() != 0) {
                LOG.warning(() -> "pocketsphinx exited with " + process.exitValue());
                throw new JobException(JobException.UPSTREAM_ERROR, "The speech recogniser failed.");
            }
            return transcript.toString();
        } catch (IOException e) {
            throw new JobException(JobException.UNAVAILABLE, "The speech recogniser is not available.", e);
        } finally {
            if (wav != null) {
                try {
                    Files.deleteIfExists(wav);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }
}

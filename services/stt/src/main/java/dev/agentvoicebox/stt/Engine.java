package dev.agentvoicebox.stt;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import java.util.function.Consumer;

/** A speech-to-text engine. Implementations are shared by concurrent jobs. */
interface Engine {
    int SAMPLE_RATE = 16_000;

    /** {@code pocketsphinx} or {@code openai}, for logs and results. */
    String name();

    /**
     * Transcribes 16 kHz mono PCM16 (little-endian bytes) and returns the transcript.
     *
     * @param language ISO-639-1 code or empty for the engine's default
     * @param prompt   context for engines that take one, else ignored
     * @param pieces   gets the transcript as the engine recognises it, in order, joined exactly the
     *                 returned transcript; an engine that knows only the whole passes it once
     * @param cancel   engines stop their work when it fires
     */
    String transcribe(byte[] pcm16k, String language, String prompt, Consumer<String> pieces, Cancellation cancel)
            throws JobException, InterruptedException;
}

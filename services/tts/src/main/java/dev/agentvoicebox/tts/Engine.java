package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;

/** A text-to-speech engine; shared by concurrent jobs. */
interface Engine {
    /** {@code espeak}, {@code freetts}, {@code flite} or {@code openai}: the catalog's engine names. */
    String name();

    /**
     * Synthesises {@code text}, handing audio to {@code sink} as it is produced (so the first chunk
     * leaves before the sentence is finished where the engine allows it).
     *
     * @param voice the engine's own voice name, from the catalog
     * @param speed 0.25–1.5, 1 = the voice's normal pace
     */
    void synthesize(String text, String voice, double speed, Sink sink, Cancellation cancel)
            throws JobException, InterruptedException;

    /** Whether the engine can run here (its binary or library is present). */
    boolean available();

    /** Receives mono PCM16 at the engine's rate, which may differ between calls. */
    interface Sink {
        void audio(short[] samples, int rate);
    }
}

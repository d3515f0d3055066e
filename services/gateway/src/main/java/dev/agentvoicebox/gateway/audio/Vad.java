package dev.agentvoicebox.gateway.audio;

/**
 * One audio stream's voice activity detector. It keeps state between frames (Silero's recurrent
 * state, the energy VAD's noise floor), so each session opens its own from a {@link VadEngine}.
 * Not thread-safe.
 */
public interface Vad extends AutoCloseable {
    /** Samples per frame at 16 kHz: Silero's native window (32 ms). */
    int FRAME_SAMPLES = 512;

    int SAMPLE_RATE = 16_000;
    long FRAME_MS = FRAME_SAMPLES * 1000L / SAMPLE_RATE;

    /** Speech probability in [0, 1] of one frame of {@link #FRAME_SAMPLES} samples in [-1, 1). */
    float speechProbability(float[] frame);

    /** Forgets the stream so far (after a clear or a commit the next turn starts fresh). */
    void reset();

    @Override
    default void close() {}
}

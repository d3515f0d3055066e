package dev.agentvoicebox.gateway.audio;

/** A loaded VAD model, shared by every session; {@link #open()} gives one stream its own state. */
public interface VadEngine extends AutoCloseable {
    /** {@code silero} or {@code energy}, for logs and health details. */
    String name();

    Vad open();

    @Override
    default void close() {}
}

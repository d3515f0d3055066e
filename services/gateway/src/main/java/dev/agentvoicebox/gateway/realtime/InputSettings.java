package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.gateway.audio.AudioException;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.TurnDetection;

/**
 * A session's {@code audio.input}, resolved from its validated settings.
 *
 * @param turnDetection     null for manual turns ({@code turn_detection: null})
 * @param createResponse    a detected turn is answered
 * @param interruptResponse speech that starts over an answer cancels it
 * @param transcription     null when the client asked for no transcript events
 */
public record InputSettings(
        AudioFormat format,
        TurnDetection turnDetection,
        boolean createResponse,
        boolean interruptResponse,
        Transcription transcription) {
    /** {@code audio.input.transcription}; the transcript also feeds the model when it is null. */
    public record Transcription(String model, String language, String prompt) {}

    static InputSettings of(JsonNode input) {
        JsonNode transcription = input.path("transcription");
        JsonNode turns = input.path("turn_detection");
        return new InputSettings(
                format(input.path("format"), "session.audio.input.format"),
                TurnDetection.fromJson(input.get("turn_detection")),
                turns.path("create_response").asBoolean(true),
                turns.path("interrupt_response").asBoolean(true),
                transcription.isObject()
                        ? new Transcription(
                                transcription.path("model").asText(""),
                                transcription.path("language").asText(""),
                                transcription.path("prompt").asText(""))
                        : null);
    }

    static AudioFormat format(JsonNode format, String param) {
        try {
            return AudioFormat.fromGa(format, param);
        } catch (AudioException e) {
            throw new IllegalStateException("a validated session has a known format", e);
        }
    }
}

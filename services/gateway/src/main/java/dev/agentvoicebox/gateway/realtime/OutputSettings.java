package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioFormat;

/**
 * A session's or a response's {@code audio.output}, resolved from validated settings.
 *
 * @param formatJson the format object as the client set it, echoed in {@code response} objects
 */
public record OutputSettings(AudioFormat format, JsonNode formatJson, String voice, double speed) {
    static OutputSettings of(JsonNode output) {
        return new OutputSettings(
                InputSettings.format(output.path("format"), "audio.output.format"),
                output.path("format").deepCopy(),
                output.path("voice").asText("alloy"),
                output.path("speed").asDouble(1.0));
    }

    /** These settings with a response's {@code audio.output} overrides (validated) on top. */
    public OutputSettings with(JsonNode overrides) {
        if (!(overrides instanceof ObjectNode given) || given.isEmpty()) {
            return this;
        }
        ObjectNode merged = given.objectNode();
        merged.set("format", formatJson);
        merged.put("voice", voice);
        merged.put("speed", speed);
        merged.setAll(given);
        return of(merged);
    }
}

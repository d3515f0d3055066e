package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.http.Json;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The GA session object and its validated partial updates. An update is checked whole before any
 * of it is applied, so a rejected {@code session.update} leaves the session as it was.
 */
public final class SessionConfig {
    static final Set<String> VOICES =
            Set.of("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar");
    static final int MAX_OUTPUT_TOKENS = 4096;

    private static final Set<String> SESSION_FIELDS = Set.of(
            "type",
            "model",
            "output_modalities",
            "instructions",
            "audio",
            "include",
            "max_output_tokens",
            "tool_choice",
            "tools",
            "tracing",
            "truncation",
            "prompt",
            "temperature",
            // Server-owned fields that clients echo back from session.created; ignored on update.
            "id",
            "object",
            "expires_at");
    private static final Set<String> READ_ONLY = Set.of("id", "object", "expires_at");
    /** Session fields whose null is a setting (no tracing, no prompt); any other null means "not set". */
    private static final Set<String> NULL_IS_A_SETTING = Set.of("tracing", "prompt");
    /** In {@code audio.input}, null switches the feature off, as the Realtime API documents. */
    private static final Set<String> NULL_SWITCHES_OFF = Set.of("transcription", "noise_reduction", "turn_detection");

    private static final Set<String> FORMATS = Set.of("audio/pcm", "audio/pcmu", "audio/pcma");
    private static final Set<String> TOOL_CHOICE_MODES = Set.of("auto", "none", "required");

    private final ObjectNode session;

    private SessionConfig(ObjectNode session) {
        this.session = session;
    }

    /** The defaults a new session starts from, before any client update. */
    public static SessionConfig defaults(String id, String model, long expiresAtSeconds, String instructions) {
        ObjectNode s = Json.object();
        s.put("type", "realtime");
        s.put("object", "realtime.session");
        s.put("id", id);
        s.put("model", model);
        // OpenAI's default: a client that never sets it gets spoken answers.
        s.putArray("output_modalities").add("audio");
        s.put("instructions", instructions);
        ObjectNode audio = s.putObject("audio");
        ObjectNode input = audio.putObject("input");
        input.set("format", pcmFormat());
        input.putNull("transcription");
        input.putNull("noise_reduction");
        input.set("turn_detection", serverVadDefaults());
        ObjectNode output = audio.putObject("output");
        output.set("format", pcmFormat());
        output.put("voice", "alloy");
        output.put("speed", 1.0);
        s.putNull("include");
        s.put("max_output_tokens", "inf");
        s.put("tool_choice", "auto");
        s.putArray("tools");
        s.putNull("tracing");
        s.put("truncation", "auto");
        s.putNull("prompt");
        s.put("expires_at", expiresAtSeconds);
        return new SessionConfig(s);
    }

    public static SessionConfig fromJson(ObjectNode session) {
        return new SessionConfig(session.deepCopy());
    }

    /** Validates {@code update} (the {@code session} of a session.update) and applies it. */
    public void apply(JsonNode update) {
        ObjectNode candidate = session.deepCopy();
        ObjectNode changes = Fields.object(update, "session").deepCopy();
        Fields.onlyKnown(changes, "session", SESSION_FIELDS);
        READ_ONLY.forEach(changes::remove);
        validate(changes, "session");
        JsonNode turnDetection = changes.path("audio").path("input").get("turn_detection");
        if (turnDetection != null && turnDetection.isObject()) {
            // Fields left out take their type's defaults, never the previous type's values.
            ObjectNode filled = "semantic_vad".equals(turnDetection.path("type").asText())
                    ? semanticVadDefaults()
                    : serverVadDefaults();
            filled.setAll((ObjectNode) turnDetection);
            ((ObjectNode) changes.path("audio").path("input")).set("turn_detection", filled);
        }
        // The session and its audio sections merge key by key; each setting (a format, the
        // transcription, turn detection, tools) is replaced whole, as the Realtime API does.
        for (Map.Entry<String, JsonNode> field : changes.properties()) {
            if ("audio".equals(field.getKey())) {
                for (Map.Entry<String, JsonNode> side : field.getValue().properties()) {
                    ((ObjectNode) candidate.path("audio").path(side.getKey())).setAll((ObjectNode) side.getValue());
                }
            } else {
                candidate.set(field.getKey(), field.getValue());
            }
        }
        session.removeAll();
        session.setAll(candidate);
    }

    /**
     * The checks shared by session.update and response.create overrides. Per-field, so a response
     * override is held to the same rules as the session it overrides. Drops, in place, the fields
     * the client set to null where null means "not set", so they keep their value or default.
     */
    public static void validate(ObjectNode changes, String path) {
        Fields.dropNulls(changes, NULL_IS_A_SETTING);
        for (Map.Entry<String, JsonNode> field : changes.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            String at = Fields.join(path, name);
            switch (name) {
                case "type" -> {
                    if (!"realtime".equals(Fields.string(value, at))) {
                        throw RealtimeError.invalidValue(
                                at,
                                "Invalid value: '" + value.asText()
                                        + "'. Only 'realtime' sessions are served on this endpoint.");
                    }
                }
                case "model" -> Fields.string(value, at);
                case "instructions" -> Fields.string(value, at);
                case "output_modalities" -> outputModalities(value, at);
                case "audio" -> audio(value, at);
                case "include" -> {
                    if (!value.isArray()) {
                        throw RealtimeError.invalidType(at, "an array");
                    }
                    for (int i = 0; i < value.size(); i++) {
                        Fields.oneOf(
                                value.get(i), at + "[" + i + "]", Set.of("item.input_audio_transcription.logprobs"));
                    }
                }
                case "max_output_tokens" -> maxOutputTokens(value, at);
                case "tool_choice" -> toolChoice(value, at);
                case "tools" -> tools(value, at);
                case "tracing" -> tracing(value, at);
                case "truncation" -> truncation(value, at);
                case "prompt" -> {
                    if (!value.isNull()) {
                        Fields.object(value, at);
                    }
                }
                case "temperature" -> Fields.number(value, at, 0.0, 2.0);
                default -> throw RealtimeError.unknown(at);
            }
        }
    }

    static void outputModalities(JsonNode value, String at) {
        if (!value.isArray() || value.isEmpty()) {
            throw RealtimeError.invalidType(at, "an array with one of 'text' or 'audio'");
        }
        if (value.size() > 1) {
            throw RealtimeError.invalidValue(at, "Invalid '" + at + "': give exactly one of 'text' or 'audio'.");
        }
        Fields.oneOf(value.get(0), at + "[0]", Set.of("text", "audio"));
    }

    static void maxOutputTokens(JsonNode value, String at) {
        if (value.isTextual()) {
            if (!"inf".equals(value.textValue())) {
                throw RealtimeError.invalidValue(at, "Invalid '" + at + "': expected an integer or 'inf'.");
            }
            return;
        }
        Fields.integer(value, at, 1, MAX_OUTPUT_TOKENS);
    }

    static void toolChoice(JsonNode value, String at) {
        if (value.isTextual()) {
            Fields.oneOf(value, at, TOOL_CHOICE_MODES);
            return;
        }
        ObjectNode choice = Fields.object(value, at);
        Fields.onlyKnown(choice, at, Set.of("type", "name"));
        Fields.dropNulls(choice, Set.of());
        String type = Fields.oneOf(Fields.required(choice, "type", at), Fields.join(at, "type"), Set.of("function"));
        if ("function".equals(type)) {
            Fields.requiredString(choice, "name", at);
        }
    }

    static void tools(JsonNode value, String at) {
        if (!value.isArray()) {
            throw RealtimeError.invalidType(at, "an array");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            String toolAt = at + "[" + i + "]";
            ObjectNode tool = Fields.object(value.get(i), toolAt);
            Fields.onlyKnown(tool, toolAt, Set.of("type", "name", "description", "parameters"));
            Fields.dropNulls(tool, Set.of());
            JsonNode type = tool.get("type");
            if (type != null) {
                Fields.oneOf(type, Fields.join(toolAt, "type"), Set.of("function"));
            }
            String name = Fields.requiredString(tool, "name", toolAt);
            if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
                throw RealtimeError.invalidValue(
                        Fields.join(toolAt, "name"),
                        "Invalid '" + toolAt + ".name': use 1 to 64 letters, digits, '_' or '-'.");
            }
            if (!names.add(name)) {
                throw RealtimeError.invalidValue(Fields.join(toolAt, "name"), "Duplicate tool name: '" + name + "'.");
            }
            if (tool.has("description")) {
                Fields.string(tool.get("description"), Fields.join(toolAt, "description"));
            }
            if (tool.has("parameters")) {
                Fields.object(tool.get("parameters"), Fields.join(toolAt, "parameters"));
            }
        }
    }

    private static void tracing(JsonNode value, String at) {
        if (value.isNull()) {
            return;
        }
        if (value.isTextual()) {
            Fields.oneOf(value, at, Set.of("auto"));
            return;
        }
        ObjectNode tracing = Fields.object(value, at);
        Fields.onlyKnown(tracing, at, Set.of("workflow_name", "group_id", "metadata"));
        Fields.dropNulls(tracing, Set.of());
    }

    private static void truncation(JsonNode value, String at) {
        if (value.isTextual()) {
            Fields.oneOf(value, at, Set.of("auto", "disabled"));
            return;
        }
        ObjectNode truncation = Fields.object(value, at);
        Fields.onlyKnown(truncation, at, Set.of("type", "retention_ratio", "token_limits"));
        Fields.dropNulls(truncation, Set.of());
        Fields.oneOf(Fields.required(truncation, "type", at), Fields.join(at, "type"), Set.of("retention_ratio"));
        Fields.number(Fields.required(truncation, "retention_ratio", at), Fields.join(at, "retention_ratio"), 0, 1);
    }

    private static void audio(JsonNode value, String at) {
        ObjectNode audio = Fields.object(value, at);
        Fields.onlyKnown(audio, at, Set.of("input", "output"));
        Fields.dropNulls(audio, Set.of());
        if (audio.has("input")) {
            String inAt = Fields.join(at, "input");
            ObjectNode input = Fields.object(audio.get("input"), inAt);
            Fields.onlyKnown(input, inAt, Set.of("format", "transcription", "noise_reduction", "turn_detection"));
            Fields.dropNulls(input, NULL_SWITCHES_OFF);
            if (input.has("format")) {
                format(input.get("format"), Fields.join(inAt, "format"));
            }
            if (input.has("transcription") && !input.get("transcription").isNull()) {
                String tAt = Fields.join(inAt, "transcription");
                ObjectNode transcription = Fields.object(input.get("transcription"), tAt);
                Fields.onlyKnown(transcription, tAt, Set.of("model", "language", "prompt"));
                Fields.dropNulls(transcription, Set.of());
                for (String key : Set.of("model", "language", "prompt")) {
                    if (transcription.has(key)) {
                        Fields.string(transcription.get(key), Fields.join(tAt, key));
                    }
                }
            }
            if (input.has("noise_reduction") && !input.get("noise_reduction").isNull()) {
                String nAt = Fields.join(inAt, "noise_reduction");
                ObjectNode noise = Fields.object(input.get("noise_reduction"), nAt);
                Fields.onlyKnown(noise, nAt, Set.of("type"));
                Fields.dropNulls(noise, Set.of());
                Fields.oneOf(
                        Fields.required(noise, "type", nAt),
                        Fields.join(nAt, "type"),
                        Set.of("near_field", "far_field"));
            }
            if (input.has("turn_detection") && !input.get("turn_detection").isNull()) {
                turnDetection(input.get("turn_detection"), Fields.join(inAt, "turn_detection"));
            }
        }
        if (audio.has("output")) {
            String outAt = Fields.join(at, "output");
            ObjectNode output = Fields.object(audio.get("output"), outAt);
            Fields.onlyKnown(output, outAt, Set.of("format", "voice", "speed"));
            Fields.dropNulls(output, Set.of());
            if (output.has("format")) {
                format(output.get("format"), Fields.join(outAt, "format"));
            }
            if (output.has("voice")) {
                Fields.oneOf(output.get("voice"), Fields.join(outAt, "voice"), VOICES);
            }
            if (output.has("speed")) {
                Fields.number(output.get("speed"), Fields.join(outAt, "speed"), 0.25, 1.5);
            }
        }
    }

    static void format(JsonNode value, String at) {
        ObjectNode format = Fields.object(value, at);
        Fields.onlyKnown(format, at, Set.of("type", "rate"));
        Fields.dropNulls(format, Set.of());
        String type = Fields.oneOf(Fields.required(format, "type", at), Fields.join(at, "type"), FORMATS);
        if (format.has("rate")) {
            if (!"audio/pcm".equals(type)) {
                throw RealtimeError.unknown(Fields.join(at, "rate"));
            }
            Fields.integer(format.get("rate"), Fields.join(at, "rate"), 24000, 24000);
        }
    }

    private static void turnDetection(JsonNode value, String at) {
        ObjectNode td = Fields.object(value, at);
        String type = Fields.oneOf(
                Fields.required(td, "type", at), Fields.join(at, "type"), Set.of("server_vad", "semantic_vad"));
        Fields.onlyKnown(
                td,
                at,
                "server_vad".equals(type)
                        ? Set.of(
                                "type",
                                "threshold",
                                "prefix_padding_ms",
                                "silence_duration_ms",
                                "create_response",
                                "interrupt_response",
                                "idle_timeout_ms")
                        : Set.of("type", "eagerness", "create_response", "interrupt_response"));
        // A null field takes its type's default; for idle_timeout_ms that is null, no timeout.
        Fields.dropNulls(td, Set.of());
        if ("server_vad".equals(type)) {
            if (td.has("threshold")) {
                Fields.number(td.get("threshold"), Fields.join(at, "threshold"), 0, 1);
            }
            if (td.has("prefix_padding_ms")) {
                Fields.integer(td.get("prefix_padding_ms"), Fields.join(at, "prefix_padding_ms"), 0, 10_000);
            }
            if (td.has("silence_duration_ms")) {
                Fields.integer(td.get("silence_duration_ms"), Fields.join(at, "silence_duration_ms"), 0, 10_000);
            }
            if (td.has("idle_timeout_ms")) {
                Fields.integer(td.get("idle_timeout_ms"), Fields.join(at, "idle_timeout_ms"), 5_000, 30_000);
            }
        } else {
            if (td.has("eagerness")) {
                Fields.oneOf(
                        td.get("eagerness"), Fields.join(at, "eagerness"), Set.of("low", "medium", "high", "auto"));
            }
        }
        for (String flag : Set.of("create_response", "interrupt_response")) {
            if (td.has(flag)) {
                Fields.bool(td.get(flag), Fields.join(at, flag));
            }
        }
    }

    private static ObjectNode pcmFormat() {
        ObjectNode format = Json.object();
        format.put("type", "audio/pcm");
        format.put("rate", 24000);
        return format;
    }

    private static ObjectNode serverVadDefaults() {
        ObjectNode td = Json.object();
        td.put("type", "server_vad");
        td.put("threshold", 0.5);
        td.put("prefix_padding_ms", 300);
        td.put("silence_duration_ms", 500);
        td.putNull("idle_timeout_ms");
        td.put("create_response", true);
        td.put("interrupt_response", true);
        return td;
    }

    private static ObjectNode semanticVadDefaults() {
        ObjectNode td = Json.object();
        td.put("type", "semantic_vad");
        td.put("eagerness", "auto");
        td.put("create_response", true);
        td.put("interrupt_response", true);
        return td;
    }

    public ObjectNode toJson() {
        return session.deepCopy();
    }

    public String id() {
        return session.path("id").asText();
    }

    public String instructions() {
        return session.path("instructions").asText("");
    }

    public ArrayNode tools() {
        return (ArrayNode) session.path("tools");
    }

    public JsonNode toolChoice() {
        return session.path("tool_choice");
    }

    public ArrayNode outputModalities() {
        return (ArrayNode) session.path("output_modalities");
    }

    public JsonNode maxOutputTokens() {
        return session.path("max_output_tokens");
    }

    public JsonNode temperature() {
        return session.get("temperature");
    }

    /** {@code audio.input} as it stands: read it, do not change it (updates go through {@link #apply}). */
    public InputSettings input() {
        return InputSettings.of(session.path("audio").path("input"));
    }

    public OutputSettings output() {
        return OutputSettings.of(session.path("audio").path("output"));
    }
}

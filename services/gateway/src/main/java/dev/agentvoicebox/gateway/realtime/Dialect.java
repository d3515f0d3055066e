package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import java.util.Map;

/**
 * The wire shape a client speaks. The session works in the GA shape; the retired beta shape
 * ({@code OpenAI-Beta: realtime=v1}) is translated at the edge, in both directions.
 */
public enum Dialect {
    GA {
        @Override
        ObjectNode inbound(ObjectNode event) {
            return event;
        }

        @Override
        ObjectNode outbound(ObjectNode event) {
            return event;
        }

        @Override
        public ObjectNode session(ObjectNode gaSession) {
            return gaSession;
        }

        @Override
        public ObjectNode sessionConfig(ObjectNode clientSession) {
            return clientSession;
        }
    },
    BETA {
        @Override
        ObjectNode inbound(ObjectNode event) {
            switch (event.path("type").asText()) {
                case "session.update" -> {
                    if (event.get("session") instanceof ObjectNode session) {
                        event.set("session", sessionConfig(session));
                    }
                }
                case "response.create" -> {
                    if (event.get("response") instanceof ObjectNode response) {
                        event.set("response", betaResponseParams(response));
                    }
                }
                case "conversation.item.create" -> {
                    if (event.get("item") instanceof ObjectNode item) {
                        betaItemIn(item);
                    }
                }
                default -> {}
            }
            return event;
        }

        @Override
        ObjectNode outbound(ObjectNode event) {
            String type = event.path("type").asText();
            String renamed = BETA_EVENT_NAMES.get(type);
            if (renamed != null) {
                event.put("type", renamed);
            }
            switch (type) {
                case "conversation.item.done" -> {
                    return null;
                }
                case "session.created", "session.updated" ->
                    event.set("session", session((ObjectNode) event.get("session")));
                case "response.created", "response.done" -> betaResponseOut((ObjectNode) event.get("response"));
                default -> {}
            }
            if (event.get("item") instanceof ObjectNode item) {
                betaItemOut(item);
            }
            if (event.get("part") instanceof ObjectNode part) {
                part.put("type", part.path("type").asText().replace("output_", ""));
            }
            return event;
        }

        @Override
        public ObjectNode session(ObjectNode ga) {
            ObjectNode beta = Json.object();
            beta.put("id", ga.path("id").asText());
            beta.put("object", "realtime.session");
            beta.put("model", ga.path("model").asText());
            beta.put("expires_at", ga.path("expires_at").asLong());
            ArrayNode modalities = beta.putArray("modalities");
            modalities.add("text");
            if ("audio".equals(ga.path("output_modalities").path(0).asText())) {
                modalities.add("audio");
            }
            beta.put("instructions", ga.path("instructions").asText());
            JsonNode input = ga.path("audio").path("input");
            JsonNode output = ga.path("audio").path("output");
            beta.put("voice", output.path("voice").asText());
            beta.put("input_audio_format", betaFormat(input.path("format")));
            beta.put("output_audio_format", betaFormat(output.path("format")));
            beta.set("input_audio_transcription", input.path("transcription").deepCopy());
            beta.set(
                    "input_audio_noise_reduction", input.path("noise_reduction").deepCopy());
            beta.set("turn_detection", input.path("turn_detection").deepCopy());
            beta.put("speed", output.path("speed").asDouble(1.0));
            beta.set("tools", ga.path("tools").deepCopy());
            beta.set("tool_choice", ga.path("tool_choice").deepCopy());
            beta.put("temperature", ga.path("temperature").asDouble(0.8));
            beta.set("max_response_output_tokens", ga.path("max_output_tokens").deepCopy());
            beta.set("tracing", ga.path("tracing").deepCopy());
            beta.set("include", ga.path("include").deepCopy());
            return beta;
        }

        @Override
        public ObjectNode sessionConfig(ObjectNode beta) {
            ObjectNode ga = Json.object();
            for (Map.Entry<String, JsonNode> field : beta.properties()) {
                JsonNode value = field.getValue();
                switch (field.getKey()) {
                    case "modalities" -> ga.set("output_modalities", gaModalities(value));
                    case "voice" -> output(ga).set("voice", value);
                    case "speed" -> output(ga).set("speed", value);
                    case "output_audio_format" -> output(ga).set("format", gaFormat(value));
                    case "input_audio_format" -> input(ga).set("format", gaFormat(value));
                    case "input_audio_transcription" -> input(ga).set("transcription", value);
                    case "input_audio_noise_reduction" -> input(ga).set("noise_reduction", value);
                    case "turn_detection" -> input(ga).set("turn_detection", value);
                    case "max_response_output_tokens" -> ga.set("max_output_tokens", value);
                    // Same name in both shapes; anything unknown is passed on to be refused by name.
                    default -> ga.set(field.getKey(), value);
                }
            }
            return ga;
        }
    };

    private static final Map<String, String> BETA_EVENT_NAMES = Map.of(
            "conversation.item.added", "conversation.item.created",
            "response.output_text.delta", "response.text.delta",
            "response.output_text.done", "response.text.done",
            "response.output_audio.delta", "response.audio.delta",
            "response.output_audio.done", "response.audio.done",
            "response.output_audio_transcript.delta", "response.audio_transcript.delta",
            "response.output_audio_transcript.done", "response.audio_transcript.done");

    private static final Map<String, String> BETA_FORMATS =
            Map.of("pcm16", "audio/pcm", "g711_ulaw", "audio/pcmu", "g711_alaw", "audio/pcma");

    /** Client event to GA shape, in place; returns the event. */
    abstract ObjectNode inbound(ObjectNode event);

    /** GA server event to this dialect's shape, in place; null when the dialect has no such event. */
    abstract ObjectNode outbound(ObjectNode event);

    /** A GA session object in this dialect's shape (session.created, REST responses). */
    public abstract ObjectNode session(ObjectNode gaSession);

    /** A client's session settings in this dialect, translated to a GA partial session. */
    public abstract ObjectNode sessionConfig(ObjectNode clientSession);

    public static Dialect of(String openAiBetaHeader, Iterable<String> subprotocols) {
        if (openAiBetaHeader != null && openAiBetaHeader.contains("realtime=v1")) {
            return BETA;
        }
        for (String protocol : subprotocols) {
            if ("openai-beta.realtime-v1".equals(protocol)) {
                return BETA;
            }
        }
        return GA;
    }

    /** Beta response.create params: the session's field mapping, plus beta items in {@code input}. */
    private static ObjectNode betaResponseParams(ObjectNode beta) {
        if (beta.get("input") instanceof ArrayNode items) {
            items.forEach(item -> {
                if (item instanceof ObjectNode object) {
                    betaItemIn(object);
                }
            });
        }
        return BETA.sessionConfig(beta);
    }

    private static void betaResponseOut(ObjectNode response) {
        JsonNode modalities = response.remove("output_modalities");
        ArrayNode beta = response.putArray("modalities");
        beta.add("text");
        if (modalities != null && "audio".equals(modalities.path(0).asText())) {
            beta.add("audio");
        }
        response.remove("audio");
        if (response.get("output") instanceof ArrayNode output) {
            output.forEach(item -> betaItemOut((ObjectNode) item));
        }
    }

    private static void betaItemIn(ObjectNode item) {
        if (item.get("content") instanceof ArrayNode content) {
            content.forEach(part -> {
                if (part instanceof ObjectNode object
                        && "text".equals(object.path("type").asText())) {
                    object.put("type", "output_text");
                }
            });
        }
    }

    private static void betaItemOut(ObjectNode item) {
        if (item.get("content") instanceof ArrayNode content) {
            content.forEach(part -> {
                if (part instanceof ObjectNode object) {
                    object.put("type", object.path("type").asText().replace("output_", ""));
                }
            });
        }
    }

    private static JsonNode gaModalities(JsonNode beta) {
        ArrayNode ga = Json.MAPPER.createArrayNode();
        boolean audio = false;
        if (beta.isArray()) {
            for (JsonNode modality : beta) {
                audio |= "audio".equals(modality.asText());
            }
        } else {
            return beta;
        }
        ga.add(audio ? "audio" : "text");
        return ga;
    }

    private static JsonNode gaFormat(JsonNode beta) {
        if (beta.isNull()) {
            return beta; // not set, as validation reads it
        }
        String type = BETA_FORMATS.get(beta.asText());
        if (type == null) {
            // Left as given so validation names it.
            return Json.object().set("type", beta);
        }
        ObjectNode format = Json.object().put("type", type);
        if ("audio/pcm".equals(type)) {
            format.put("rate", 24000);
        }
        return format;
    }

    private static String betaFormat(JsonNode ga) {
        return switch (ga.path("type").asText()) {
            case "audio/pcmu" -> "g711_ulaw";
            case "audio/pcma" -> "g711_alaw";
            default -> "pcm16";
        };
    }

    private static ObjectNode input(ObjectNode ga) {
        return audioSide(ga, "input");
    }

    private static ObjectNode output(ObjectNode ga) {
        return audioSide(ga, "output");
    }

    private static ObjectNode audioSide(ObjectNode ga, String side) {
        ObjectNode audio = ga.has("audio") ? (ObjectNode) ga.get("audio") : ga.putObject("audio");
        return audio.has(side) ? (ObjectNode) audio.get(side) : audio.putObject(side);
    }
}

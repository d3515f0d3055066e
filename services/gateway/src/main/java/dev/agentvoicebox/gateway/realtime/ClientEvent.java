package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.http.Json;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The client events of the Realtime API, each with the top-level fields it may carry. */
enum ClientEvent {
    SESSION_UPDATE("session.update", "session"),
    INPUT_AUDIO_BUFFER_APPEND("input_audio_buffer.append", "audio"),
    INPUT_AUDIO_BUFFER_COMMIT("input_audio_buffer.commit"),
    INPUT_AUDIO_BUFFER_CLEAR("input_audio_buffer.clear"),
    OUTPUT_AUDIO_BUFFER_CLEAR("output_audio_buffer.clear"),
    CONVERSATION_ITEM_CREATE("conversation.item.create", "item", "previous_item_id"),
    CONVERSATION_ITEM_RETRIEVE("conversation.item.retrieve", "item_id"),
    CONVERSATION_ITEM_DELETE("conversation.item.delete", "item_id"),
    CONVERSATION_ITEM_TRUNCATE("conversation.item.truncate", "item_id", "content_index", "audio_end_ms"),
    RESPONSE_CREATE("response.create", "response"),
    RESPONSE_CANCEL("response.cancel", "response_id");

    private static final Map<String, ClientEvent> BY_TYPE =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(e -> e.type, Function.identity()));

    private final String type;
    private final Set<String> fields;

    ClientEvent(String type, String... fields) {
        this.type = type;
        Set<String> all = new HashSet<>(Set.of(fields));
        all.add("type");
        all.add("event_id");
        this.fields = Set.copyOf(all);
    }

    static Optional<ClientEvent> of(String type) {
        return Optional.ofNullable(BY_TYPE.get(type));
    }

    /** A client message that is a JSON object; {@code eventId} is echoed by any error it causes. */
    record Message(String eventId, ObjectNode event) {
        /** Reads one text message; one that is no JSON object has no event id to echo. */
        static Message read(String text) {
            JsonNode parsed;
            try {
                parsed = Json.parse(text);
            } catch (JsonProcessingException e) {
                throw RealtimeError.invalidEvent(
                        "The event is not valid JSON: " + e.getOriginalMessage() + ". Nothing in it was applied.");
            }
            if (!(parsed instanceof ObjectNode event)) {
                throw RealtimeError.invalidEvent("The event must be a JSON object.");
            }
            return new Message(
                    event.path("event_id").isTextual() ? event.get("event_id").asText() : null, event);
        }

        ClientEvent kind() {
            if (!event.has("type")) {
                throw RealtimeError.missing("type");
            }
            String type = Fields.string(event.get("type"), "type");
            return of(type).orElseThrow(() ->
                    RealtimeError.invalidEvent("Invalid value: '" + type + "'. It is not a client event type."));
        }
    }

    /** Every field the event may have, {@code type} and {@code event_id} included. */
    Set<String> fields() {
        return fields;
    }
}

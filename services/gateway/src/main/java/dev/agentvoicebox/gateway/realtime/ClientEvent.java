package dev.agentvoicebox.gateway.realtime;

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

    /** Every field the event may have, {@code type} and {@code event_id} included. */
    Set<String> fields() {
        return fields;
    }
}

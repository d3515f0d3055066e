package dev.agentvoicebox.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.platform.http.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's default conversation and the client events that edit it: items created, retrieved,
 * deleted and truncated. Every change is saved to the session's Redis state as it happens; item
 * audio stays in this gateway's memory ({@link ItemAudio}).
 */
public final class ConversationEditor {
    private final SessionContext session;
    private final Conversation conversation = new Conversation(Ids.conversation());
    private final ItemAudio itemAudio;
    /** The sentences of each assistant audio item with their durations, so truncation knows what was heard. */
    private final Map<String, List<Spoken>> spokenAudio = new HashMap<>();

    public ConversationEditor(SessionContext session, ItemAudio itemAudio) {
        this.session = session;
        this.itemAudio = itemAudio;
    }

    /** One sentence of an assistant audio item and how long it plays. */
    private record Spoken(String text, long durationMs) {}

    public Conversation conversation() {
        return conversation;
    }

    /** {@code conversation.item.create}: the item goes after {@code previous_item_id}, or last. */
    public void create(ObjectNode event) {
        ObjectNode item = Items.normalize(Fields.required(event, "item", ""), "item", conversation);
        String previous = event.hasNonNull("previous_item_id")
                ? Fields.string(event.get("previous_item_id"), "previous_item_id")
                : null;
        String before = conversation.insert(item, previous);
        itemAudio.keepFrom(item);
        save(item);
        for (String type : List.of("conversation.item.added", "conversation.item.done")) {
            ObjectNode added = Events.event(type);
            added.put("previous_item_id", before);
            added.set("item", item.deepCopy());
            session.send(added);
        }
    }

    public void retrieve(ObjectNode event) {
        ObjectNode retrieved = Events.event("conversation.item.retrieved");
        retrieved.set("item", itemAudio.withAudio(existingItem(event)));
        session.send(retrieved);
    }

    public void delete(ObjectNode event) {
        String itemId = existingItem(event).path("id").asText();
        conversation.delete(itemId);
        spokenAudio.remove(itemId);
        itemAudio.forget(itemId);
        session.wiring().store().deleteItem(session.id(), itemId, conversation.order());
        session.send(Events.event("conversation.item.deleted").put("item_id", itemId));
    }

    /**
     * {@code conversation.item.truncate}: the client stopped playing an assistant item at
     * {@code audio_end_ms}; its transcript and audio are cut to what was heard.
     */
    public void truncate(ObjectNode event) {
        ObjectNode item = existingItem(event);
        long contentIndex = Fields.integer(Fields.required(event, "content_index", ""), "content_index", 0, 1024);
        long audioEndMs = Fields.integer(Fields.required(event, "audio_end_ms", ""), "audio_end_ms", 0, Long.MAX_VALUE);
        if (!"message".equals(item.path("type").asText())
                || !"assistant".equals(item.path("role").asText())) {
            throw RealtimeError.invalidValue("item_id", "Only assistant messages can be truncated.");
        }
        JsonNode part = item.path("content").path((int) contentIndex);
        if (part.isMissingNode()) {
            throw RealtimeError.invalidValue(
                    "content_index",
                    "Item '" + item.path("id").asText() + "' has no content part " + contentIndex + ".");
        }
        List<Spoken> spoken = spokenAudio.getOrDefault(item.path("id").asText(), List.of());
        long totalMs = spoken.stream().mapToLong(Spoken::durationMs).sum();
        if (!"output_audio".equals(part.path("type").asText()) || audioEndMs > totalMs) {
            throw RealtimeError.invalidValue(
                    "audio_end_ms",
                    "audio_end_ms " + audioEndMs + " exceeds the "
                            + totalMs + " ms of audio in content part " + contentIndex + " of item '"
                            + item.path("id").asText() + "'.");
        }
        ((ObjectNode) part).put("transcript", heard(spoken, audioEndMs));
        itemAudio.truncate(item.path("id").asText(), (int) contentIndex, audioEndMs);
        save(item);
        session.send(Events.event("conversation.item.truncated")
                .put("item_id", item.path("id").asText())
                .put("content_index", contentIndex)
                .put("audio_end_ms", audioEndMs));
    }

    /** What was heard stays in the transcript: whole sentences, then the played share of the next. */
    private static String heard(List<Spoken> spoken, long audioEndMs) {
        StringBuilder heard = new StringBuilder();
        long at = 0;
        for (Spoken sentence : spoken) {
            if (at + sentence.durationMs() <= audioEndMs) {
                heard.append(sentence.text()).append(' ');
            } else if (at < audioEndMs) {
                int chars = (int) (sentence.text().length() * (audioEndMs - at) / Math.max(1, sentence.durationMs()));
                heard.append(sentence.text(), 0, chars);
            }
            at += sentence.durationMs();
        }
        return heard.toString().strip();
    }

    /**
     * A committed turn becomes a user audio item, last in the conversation, its transcript still to
     * come; {@code audio} is the turn as the client sent it, for retrieve.
     */
    public ObjectNode addUserAudio(String itemId, String previousItemId, byte[] audio) {
        ObjectNode item = Json.object();
        item.put("id", itemId);
        item.put("type", "message");
        item.put("object", "realtime.item");
        item.put("status", "completed");
        item.put("role", "user");
        item.putArray("content").addObject().put("type", "input_audio").putNull("transcript");
        conversation.insert(item, null);
        itemAudio.append(itemId, 0, audio, 0);
        save(item);
        ObjectNode added = Events.event("conversation.item.added");
        added.put("previous_item_id", previousItemId);
        added.set("item", item.deepCopy());
        session.send(added);
        return item;
    }

    /** Persists an item of the default conversation after it changed. */
    public void save(ObjectNode item) {
        session.wiring().store().saveItem(session.id(), item, conversation.order());
    }

    public void sendItemDone(ObjectNode item) {
        ObjectNode done = Events.event("conversation.item.done");
        done.put("previous_item_id", conversation.previousOf(item.path("id").asText()));
        done.set("item", item.deepCopy());
        session.send(done);
    }

    /** Audio of an assistant item as it went to the client, in {@code format}. */
    public void played(String itemId, AudioFormat format, byte[] audio) {
        if (conversation.contains(itemId)) {
            itemAudio.append(itemId, 0, audio, format.rate() / 1000 * format.bytesPerSample());
        }
    }

    /** How long the audio of one sentence of an assistant item lasts, for truncation. */
    public void spoken(String itemId, String text, long durationMs) {
        spokenAudio.computeIfAbsent(itemId, k -> new ArrayList<>()).add(new Spoken(text, durationMs));
    }

    /** The session ended: its item audio goes back to the gateway's budget. */
    public void release() {
        itemAudio.release();
    }

    private ObjectNode existingItem(ObjectNode event) {
        String itemId = Fields.requiredString(event, "item_id", "");
        return conversation
                .find(itemId)
                .orElseThrow(() -> RealtimeError.invalidValue(
                        "item_id", "Item with item_id '" + itemId + "' not found in the conversation."));
    }
}

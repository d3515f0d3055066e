package dev.agentvoicebox.gateway;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The audio of a session's user items, kept in the gateway's memory for
 * {@code conversation.item.retrieve} only.
 *
 * <p>Events that announce an item never repeat its audio (a client already has what it sent, and
 * minutes of base64 per event would crowd the socket), and Redis never holds it: the session lives
 * on this instance, so nothing elsewhere could serve it. A per-session budget bounds the memory;
 * past it the oldest items' audio goes first, and their retrieve shows the transcript alone.
 */
final class ItemAudio {
    private record Key(String itemId, int contentIndex) {
    }

    private final long budgetChars;
    private final Map<Key, String> audio = new LinkedHashMap<>();
    private long heldChars;

    ItemAudio(long budgetBytes) {
        // base64 is what is held and what is sent: four characters for every three bytes
        this.budgetChars = budgetBytes / 3 * 4;
    }

    /** Takes the {@code audio} out of each input_audio part of {@code item} and keeps it. */
    void keepFrom(ObjectNode item) {
        String itemId = item.path("id").asText();
        JsonNode content = item.path("content");
        for (int i = 0; i < content.size(); i++) {
            if (content.get(i) instanceof ObjectNode part && "input_audio".equals(part.path("type").asText())
                    && part.path("audio").isTextual()) {
                keep(itemId, i, part.remove("audio").asText());
            }
        }
    }

    void keep(String itemId, int contentIndex, String base64) {
        if (base64.isEmpty() || base64.length() > budgetChars) {
            return;
        }
        String previous = audio.put(new Key(itemId, contentIndex), base64);
        heldChars += base64.length() - (previous == null ? 0 : previous.length());
        Iterator<String> oldest = audio.values().iterator();
        while (heldChars > budgetChars && oldest.hasNext()) {
            heldChars -= oldest.next().length();
            oldest.remove();
        }
    }

    /** A copy of {@code item} with the audio it still has put back into its parts. */
    ObjectNode withAudio(ObjectNode item) {
        ObjectNode copy = item.deepCopy();
        String itemId = item.path("id").asText();
        JsonNode content = copy.path("content");
        for (int i = 0; i < content.size(); i++) {
            String kept = audio.get(new Key(itemId, i));
            if (kept != null && content.get(i) instanceof ObjectNode part) {
                part.put("audio", kept);
            }
        }
        return copy;
    }

    void forget(String itemId) {
        Iterator<Map.Entry<Key, String>> entries = audio.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<Key, String> entry = entries.next();
            if (entry.getKey().itemId().equals(itemId)) {
                heldChars -= entry.getValue().length();
                entries.remove();
            }
        }
    }
}

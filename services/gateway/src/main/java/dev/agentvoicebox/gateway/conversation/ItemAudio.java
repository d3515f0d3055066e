package dev.agentvoicebox.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audio of a session's items — what the user said and what the assistant was heard saying —
 * kept in the gateway's memory for {@code conversation.item.retrieve} only.
 *
 * <p>Events that announce an item never repeat its audio (a client already has it, and minutes of
 * base64 per event would crowd the socket), and Redis never holds it: the session lives on this
 * instance, so nothing elsewhere could serve it. A per-session budget bounds the memory; past it the
 * oldest items' audio goes first, and their retrieve shows the transcript alone.
 */
public final class ItemAudio {
    private record Key(String itemId, int contentIndex) {}

    /** Audio bytes in the format they were sent in; {@code bytesPerMs} is 0 where nothing cuts them. */
    private static final class Clip {
        private byte[] bytes = new byte[0];
        private int length;
        private final int bytesPerMs;

        Clip(int bytesPerMs) {
            this.bytesPerMs = bytesPerMs;
        }

        void append(byte[] more) {
            if (length + more.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + more.length, bytes.length * 2));
            }
            System.arraycopy(more, 0, bytes, length, more.length);
            length += more.length;
        }
    }

    private final long budgetBytes;
    private final Map<Key, Clip> clips = new LinkedHashMap<>();
    private long heldBytes;

    public ItemAudio(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** Takes the {@code audio} out of each input_audio part of a normalized {@code item} and keeps it. */
    public void keepFrom(ObjectNode item) {
        String itemId = item.path("id").asText();
        JsonNode content = item.path("content");
        for (int i = 0; i < content.size(); i++) {
            if (content.get(i) instanceof ObjectNode part
                    && "input_audio".equals(part.path("type").asText())
                    && part.get("audio") instanceof BinaryNode audio) {
                part.remove("audio");
                append(itemId, i, audio.binaryValue(), 0);
            }
        }
    }

    /**
     * Adds {@code bytes} to the audio of a content part.
     *
     * @param bytesPerMs the format's bytes per millisecond, for {@link #truncate}; 0 if never cut
     */
    public void append(String itemId, int contentIndex, byte[] bytes, int bytesPerMs) {
        Key key = new Key(itemId, contentIndex);
        Clip clip = clips.get(key);
        if (bytes.length == 0) {
            return;
        }
        if ((clip == null ? 0 : clip.length) + bytes.length > budgetBytes) {
            // A part larger than the whole budget is not kept at all, rather than kept cut short.
            if (clip != null) {
                heldBytes -= clip.length;
                clips.remove(key);
            }
            return;
        }
        if (clip == null) {
            clip = new Clip(bytesPerMs);
            clips.put(key, clip);
        }
        clip.append(bytes);
        heldBytes += bytes.length;
        Iterator<Map.Entry<Key, Clip>> oldest = clips.entrySet().iterator();
        while (heldBytes > budgetBytes && oldest.hasNext()) {
            Map.Entry<Key, Clip> entry = oldest.next();
            if (entry.getValue() != clip) {
                heldBytes -= entry.getValue().length;
                oldest.remove();
            }
        }
    }

    /** Cuts a part's audio to its first {@code audioEndMs}, as conversation.item.truncate says was heard. */
    public void truncate(String itemId, int contentIndex, long audioEndMs) {
        Clip clip = clips.get(new Key(itemId, contentIndex));
        if (clip != null && clip.bytesPerMs > 0) {
            int keep = (int) Math.min(clip.length, audioEndMs * clip.bytesPerMs);
            heldBytes -= clip.length - keep;
            clip.length = keep;
        }
    }

    /** A copy of {@code item} with the audio it still has put back into its parts. */
    public ObjectNode withAudio(ObjectNode item) {
        ObjectNode copy = item.deepCopy();
        String itemId = item.path("id").asText();
        JsonNode content = copy.path("content");
        for (int i = 0; i < content.size(); i++) {
            Clip clip = clips.get(new Key(itemId, i));
            if (clip != null && content.get(i) instanceof ObjectNode part) {
                part.put("audio", Base64.getEncoder().encodeToString(Arrays.copyOf(clip.bytes, clip.length)));
            }
        }
        return copy;
    }

    public void forget(String itemId) {
        Iterator<Map.Entry<Key, Clip>> entries = clips.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<Key, Clip> entry = entries.next();
            if (entry.getKey().itemId().equals(itemId)) {
                heldBytes -= entry.getValue().length;
                entries.remove();
            }
        }
    }
}

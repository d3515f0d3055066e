package dev.agentvoicebox.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The audio of a session's items — what the user said and what the assistant was heard saying —
 * kept in the gateway's memory for {@code conversation.item.retrieve} only.
 *
 * <p>Events that announce an item never repeat its audio (a client already has it, and minutes of
 * base64 per event would crowd the socket), and Redis never holds it: the session lives on this
 * instance, so nothing elsewhere could serve it. Two budgets bound the memory: one per session and
 * one for the whole gateway ({@link Pool}). Past either, the oldest audio goes first (the session's
 * own for its budget, any session's for the gateway's); a retrieve of such an item shows the
 * transcript with {@code "audio": null}.
 *
 * <p>All sessions' audio is guarded by their pool's lock: a session's append may drop another
 * session's clip.
 */
public final class ItemAudio {
    private static final Set<String> AUDIO_PARTS = Set.of("input_audio", "output_audio");

    private record Key(String itemId, int contentIndex) {}

    /** Audio bytes in the format they were sent in; {@code bytesPerMs} is 0 where nothing cuts them. */
    private final class Clip {
        private final Key key;
        private final int bytesPerMs;
        private byte[] bytes = new byte[0];
        private int length;

        Clip(Key key, int bytesPerMs) {
            this.key = key;
            this.bytesPerMs = bytesPerMs;
        }

        ItemAudio owner() {
            return ItemAudio.this;
        }

        /** Grows the array within {@code limit}, so what a clip costs never passes its budget. */
        void append(byte[] more, long limit) {
            if (length + more.length > bytes.length) {
                long grown = Math.min(limit, Math.max(length + more.length, bytes.length * 2L));
                bytes = Arrays.copyOf(bytes, (int) grown);
            }
            System.arraycopy(more, 0, bytes, length, more.length);
            length += more.length;
        }

        /** What the clip costs: its array, which may be larger than the audio in it. */
        long size() {
            return bytes.length;
        }
    }

    /** The gateway-wide budget every session's item audio shares; oldest clips anywhere go first. */
    public static final class Pool {
        private final long budgetBytes;
        private final long sessionBudgetBytes;
        /** Every session's clips, oldest first. */
        private final Set<Clip> byAge = new LinkedHashSet<>();

        private long heldBytes;

        /**
         * @param budgetBytes        all sessions together
         * @param sessionBudgetBytes each session
         */
        public Pool(long budgetBytes, long sessionBudgetBytes) {
            this.budgetBytes = budgetBytes;
            this.sessionBudgetBytes = sessionBudgetBytes;
        }

        /** The store of one new session. */
        public ItemAudio session() {
            return new ItemAudio(this, Math.min(budgetBytes, sessionBudgetBytes));
        }

        synchronized long heldBytes() {
            return heldBytes;
        }

        private void resized(Clip clip, long delta) {
            heldBytes += delta;
            clip.owner().heldBytes += delta;
        }

        private void drop(Clip clip) {
            byAge.remove(clip);
            resized(clip, -clip.size());
            clip.owner().clips.remove(clip.key);
        }

        /** Drops the oldest of {@code oldestFirst}, never {@code keep}, while {@code over} says so. */
        private void dropOldest(Collection<Clip> oldestFirst, Clip keep, BooleanSupplier over) {
            while (over.getAsBoolean()) {
                Optional<Clip> victim =
                        oldestFirst.stream().filter(clip -> clip != keep).findFirst();
                if (victim.isEmpty()) {
                    return;
                }
                drop(victim.get());
            }
        }
    }

    private final Pool pool;
    private final long budgetBytes;
    private final Map<Key, Clip> clips = new LinkedHashMap<>();
    private long heldBytes;

    private ItemAudio(Pool pool, long budgetBytes) {
        this.pool = pool;
        this.budgetBytes = budgetBytes;
    }

    /** Takes the {@code audio} out of each input_audio part of a normalized {@code item} and keeps it. */
    void keepFrom(ObjectNode item) {
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
    void append(String itemId, int contentIndex, byte[] bytes, int bytesPerMs) {
        if (bytes.length == 0) {
            return;
        }
        Key key = new Key(itemId, contentIndex);
        synchronized (pool) {
            Clip clip = clips.get(key);
            if ((clip == null ? 0 : clip.length) + bytes.length > budgetBytes) {
                // A part larger than the whole budget is not kept at all, rather than kept cut short.
                if (clip != null) {
                    pool.drop(clip);
                }
                return;
            }
            if (clip == null) {
                clip = new Clip(key, bytesPerMs);
                clips.put(key, clip);
                pool.byAge.add(clip);
            }
            long before = clip.size();
            clip.append(bytes, budgetBytes);
            pool.resized(clip, clip.size() - before);
            pool.dropOldest(clips.values(), clip, () -> heldBytes > budgetBytes);
            pool.dropOldest(pool.byAge, clip, () -> pool.heldBytes > pool.budgetBytes);
        }
    }

    /** Cuts a part's audio to its first {@code audioEndMs}, as conversation.item.truncate says was heard. */
    void truncate(String itemId, int contentIndex, long audioEndMs) {
        synchronized (pool) {
            Clip clip = clips.get(new Key(itemId, contentIndex));
            if (clip != null && clip.bytesPerMs > 0) {
                int keep = (int) Math.min(clip.length, audioEndMs * clip.bytesPerMs);
                long before = clip.size();
                clip.bytes = Arrays.copyOf(clip.bytes, keep);
                clip.length = keep;
                pool.resized(clip, clip.size() - before);
            }
        }
    }

    /**
     * A copy of {@code item} with the audio it still has put back into its parts; an audio part
     * whose audio this gateway no longer holds (or never did) gets {@code "audio": null}.
     */
    ObjectNode withAudio(ObjectNode item) {
        ObjectNode copy = item.deepCopy();
        String itemId = item.path("id").asText();
        JsonNode content = copy.path("content");
        for (int i = 0; i < content.size(); i++) {
            if (content.get(i) instanceof ObjectNode part
                    && AUDIO_PARTS.contains(part.path("type").asText())) {
                byte[] audio;
                synchronized (pool) {
                    Clip clip = clips.get(new Key(itemId, i));
                    audio = clip == null ? null : Arrays.copyOf(clip.bytes, clip.length);
                }
                if (audio == null) {
                    part.putNull("audio");
                } else {
                    part.put("audio", Base64.getEncoder().encodeToString(audio));
                }
            }
        }
        return copy;
    }

    void forget(String itemId) {
        synchronized (pool) {
            for (Clip clip : clips.values().stream()
                    .filter(c -> c.key.itemId().equals(itemId))
                    .toList()) {
                pool.drop(clip);
            }
        }
    }

    /** The session ended: its audio leaves the gateway's budget. */
    void release() {
        synchronized (pool) {
            for (Clip clip : List.copyOf(clips.values())) {
                pool.drop(clip);
            }
        }
    }

    long heldBytes() {
        synchronized (pool) {
            return heldBytes;
        }
    }
}

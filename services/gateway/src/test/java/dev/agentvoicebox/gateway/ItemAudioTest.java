package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ItemAudioTest {
    private static ObjectNode audioItem(String id, String audio) {
        ObjectNode item = Json.object().put("id", id).put("type", "message").put("role", "user");
        item.putArray("content").addObject().put("type", "input_audio").put("audio", audio).put("transcript", "t");
        return item;
    }

    private static boolean hasAudio(ItemAudio kept, ObjectNode item) {
        return kept.withAudio(item).path("content").path(0).has("audio");
    }

    @Test
    void keepingTakesTheAudioOutOfTheItemAndRetrievePutsItBack() {
        ItemAudio kept = new ItemAudio(1024);
        ObjectNode item = audioItem("a", "QUJD");
        kept.keepFrom(item);
        assertFalse(item.path("content").path(0).has("audio"));
        assertEquals("QUJD", kept.withAudio(item).path("content").path(0).path("audio").asText());
        assertFalse(item.path("content").path(0).has("audio"), "the stored item is left as it is");
    }

    @Test
    void pastTheBudgetTheOldestAudioGoesFirst() {
        ItemAudio kept = new ItemAudio(300); // 400 base64 characters
        ObjectNode first = audioItem("first", "A".repeat(160));
        ObjectNode second = audioItem("second", "B".repeat(160));
        ObjectNode third = audioItem("third", "C".repeat(160));
        kept.keepFrom(first);
        kept.keepFrom(second);
        assertTrue(hasAudio(kept, first) && hasAudio(kept, second));
        kept.keepFrom(third);
        assertFalse(hasAudio(kept, first));
        assertTrue(hasAudio(kept, second) && hasAudio(kept, third));

        kept.forget("second");
        kept.keepFrom(audioItem("fourth", "D".repeat(160)));
        assertTrue(hasAudio(kept, third), "a forgotten item's share is free again");
    }

    @Test
    void audioLargerThanTheWholeBudgetIsNotKeptAndEvictsNothing() {
        ItemAudio kept = new ItemAudio(300);
        ObjectNode small = audioItem("small", "A".repeat(100));
        kept.keepFrom(small);
        ObjectNode huge = audioItem("huge", "B".repeat(800));
        kept.keepFrom(huge);
        assertFalse(hasAudio(kept, huge));
        assertTrue(hasAudio(kept, small));
    }
}

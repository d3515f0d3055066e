package dev.agentvoicebox.gateway.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ItemAudioTest {
    private static String b64(int bytes) {
        return Base64.getEncoder().encodeToString(new byte[bytes]);
    }

    private static ObjectNode audioItem(String id, String audio) {
        ObjectNode item = Json.object().put("id", id).put("type", "message").put("role", "user");
        // as Items.normalize leaves it: the audio decoded into a binary node
        item.putArray("content")
                .addObject()
                .put("type", "input_audio")
                .put("audio", Base64.getDecoder().decode(audio))
                .put("transcript", "t");
        return item;
    }

    private static ObjectNode assistantItem(String id) {
        ObjectNode item = Json.object().put("id", id).put("type", "message").put("role", "assistant");
        item.putArray("content").addObject().put("type", "output_audio").put("transcript", "t");
        return item;
    }

    private static int audioBytes(ItemAudio kept, ObjectNode item) {
        ObjectNode part = (ObjectNode) kept.withAudio(item).path("content").path(0);
        assertTrue(part.has("audio"), "an audio part always says whether its audio is held");
        return part.get("audio").isTextual()
                ? Base64.getDecoder().decode(part.get("audio").asText()).length
                : -1;
    }

    @Test
    void keepingTakesTheAudioOutOfTheItemAndRetrievePutsItBack() {
        ItemAudio kept = new ItemAudio.Pool(Long.MAX_VALUE, 1024).session();
        ObjectNode item = audioItem("a", "QUJD");
        kept.keepFrom(item);
        assertFalse(item.path("content").path(0).has("audio"));
        assertEquals(
                "QUJD",
                kept.withAudio(item).path("content").path(0).path("audio").asText());
        assertFalse(item.path("content").path(0).has("audio"), "the stored item is left as it is");
    }

    @Test
    void pastTheBudgetTheOldestAudioGoesFirst() {
        ItemAudio kept = new ItemAudio.Pool(Long.MAX_VALUE, 300).session();
        ObjectNode first = audioItem("first", b64(120));
        ObjectNode second = audioItem("second", b64(120));
        ObjectNode third = audioItem("third", b64(120));
        kept.keepFrom(first);
        kept.keepFrom(second);
        assertEquals(120, audioBytes(kept, first));
        kept.keepFrom(third);
        assertEquals(-1, audioBytes(kept, first));
        assertEquals(120, audioBytes(kept, second));
        assertEquals(120, audioBytes(kept, third));

        kept.forget("second");
        kept.keepFrom(audioItem("fourth", b64(120)));
        assertEquals(120, audioBytes(kept, third), "a forgotten item's share is free again");
    }

    @Test
    void assistantAudioGrowsAsItPlaysAndATruncateCutsItToWhatWasHeard() {
        ItemAudio kept = new ItemAudio.Pool(Long.MAX_VALUE, 10_000).session();
        ObjectNode spoken = assistantItem("spoken");
        kept.append("spoken", 0, new byte[] {1, 2, 3, 4}, 8);
        kept.append("spoken", 0, new byte[800], 8);
        assertEquals(804, audioBytes(kept, spoken));
        byte[] audio = Base64.getDecoder()
                .decode(kept.withAudio(spoken)
                        .path("content")
                        .path(0)
                        .path("audio")
                        .asText());
        assertEquals(3, audio[2], "in the order it was played");
        kept.truncate("spoken", 0, 50);
        assertEquals(400, audioBytes(kept, spoken), "50 ms at 8 bytes a millisecond");
        kept.truncate("spoken", 0, 500);
        assertEquals(400, audioBytes(kept, spoken), "a truncate never grows it back");
    }

    @Test
    void audioLargerThanTheWholeBudgetIsNotKeptAndEvictsNothing() {
        ItemAudio kept = new ItemAudio.Pool(Long.MAX_VALUE, 300).session();
        ObjectNode small = audioItem("small", b64(100));
        kept.keepFrom(small);
        ObjectNode huge = audioItem("huge", b64(600));
        kept.keepFrom(huge);
        assertEquals(-1, audioBytes(kept, huge));
        assertEquals(100, audioBytes(kept, small));

        ObjectNode growing = assistantItem("growing");
        kept.append("growing", 0, new byte[150], 8);
        kept.append("growing", 0, new byte[200], 8);
        assertEquals(-1, audioBytes(kept, growing), "not kept cut short");
        assertTrue(audioBytes(kept, small) == 100, "and the others stay");
    }

    @Test
    void theGatewayBudgetDropsTheOldestAudioOfAnySessionAndRetrieveSaysItIsGone() {
        ItemAudio.Pool pool = new ItemAudio.Pool(1000, 800);
        ItemAudio alice = pool.session();
        ItemAudio bob = pool.session();
        ObjectNode aliceFirst = audioItem("alice-1", b64(400));
        ObjectNode bobFirst = audioItem("bob-1", b64(400));
        alice.keepFrom(aliceFirst);
        bob.keepFrom(bobFirst);
        assertEquals(800, pool.heldBytes());

        ObjectNode bobSecond = audioItem("bob-2", b64(400));
        bob.keepFrom(bobSecond);
        assertEquals(-1, audioBytes(alice, aliceFirst), "the oldest audio in the gateway went, though another's");
        assertTrue(
                alice.withAudio(aliceFirst).path("content").path(0).get("audio").isNull());
        assertEquals(
                "t",
                alice.withAudio(aliceFirst)
                        .path("content")
                        .path(0)
                        .path("transcript")
                        .asText());
        assertEquals(400, audioBytes(bob, bobFirst));
        assertEquals(400, audioBytes(bob, bobSecond));
        assertEquals(800, pool.heldBytes());
        assertEquals(0, alice.heldBytes());

        bob.release();
        assertEquals(0, pool.heldBytes(), "an ended session's audio leaves the gateway's budget");
        ObjectNode aliceSecond = audioItem("alice-2", b64(700));
        alice.keepFrom(aliceSecond);
        assertEquals(700, audioBytes(alice, aliceSecond));
    }

    @Test
    void growingAssistantAudioCostsWhatItsArrayTakesWithinTheBudget() {
        ItemAudio.Pool pool = new ItemAudio.Pool(10_000, 1000);
        ItemAudio kept = pool.session();
        for (int i = 0; i < 9; i++) {
            kept.append("spoken", 0, new byte[100], 8);
        }
        assertEquals(900, audioBytes(kept, assistantItem("spoken")));
        assertTrue(pool.heldBytes() <= 1000, "held " + pool.heldBytes());
        kept.truncate("spoken", 0, 25);
        assertEquals(200, pool.heldBytes(), "a truncate gives the cut audio's room back");
    }
}

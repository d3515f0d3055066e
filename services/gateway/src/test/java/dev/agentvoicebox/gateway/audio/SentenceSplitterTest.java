package dev.agentvoicebox.gateway.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {
    private static List<String> split(String... deltas) {
        SentenceSplitter splitter = new SentenceSplitter();
        List<String> out = new ArrayList<>();
        for (String delta : deltas) {
            out.addAll(splitter.add(delta));
        }
        String rest = splitter.flush();
        if (rest != null) {
            out.add(rest);
        }
        return out;
    }

    @Test
    void emitsEachSentenceAsSoonAsTheNextOneBegins() {
        SentenceSplitter splitter = new SentenceSplitter();
        assertEquals(List.of(), splitter.add("Hello"));
        assertEquals(List.of(), splitter.add(" there."));
        assertEquals(List.of("Hello there."), splitter.add(" How"));
        assertEquals(List.of("How are you?"), splitter.add(" are you? I"));
        assertEquals(List.of(), splitter.add(" am fine"));
        assertEquals("I am fine", splitter.flush());
        assertNull(splitter.flush());
    }

    @Test
    void keepsAbbreviationsDecimalsAndInitialsInsideASentence() {
        assertEquals(
                List.of(
                        "Dr. Smith paid $3.50 for it, e.g. at 10 a.m. on Main St. today.",
                        "J. R. R. Tolkien wrote it."),
                split(
                        "Dr. Smith paid $3",
                        ".50 for it, e.g. at 10 a.m. on Main St. today. J. R. R. Tolkien wrote it."));
    }

    @Test
    void closingQuotesEllipsesAndLineBreaksEndSentences() {
        assertEquals(
                List.of("He said \"stop!\"", "Then… nothing.", "Wait...", "Really?!", "A list:", "- one"),
                split("He said \"stop!\" Then… nothing. Wait... Really?! A list:\n- one"));
        assertEquals(List.of("你好。", "再见！"), split("你好。再见！"));
    }

    @Test
    void aLongRunWithoutBoundaryIsCutAtACommaOrSpace() {
        SentenceSplitter splitter = new SentenceSplitter(40);
        List<String> out = splitter.add("one two three four five six, seven eight nine ten eleven twelve");
        assertEquals("one two three four five six,", out.get(0));
        out.forEach(s -> assertTrue(s.length() <= 40, s));
    }

    @Test
    void blankTextGivesNothing() {
        assertEquals(List.of(), split("   ", "\n\n"));
    }
}

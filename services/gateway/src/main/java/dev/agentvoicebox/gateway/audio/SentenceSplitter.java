package dev.agentvoicebox.gateway.audio;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cuts streaming LLM text into sentences, so each can go to tts as soon as it is complete and the
 * first audio does not wait for the whole reply.
 *
 * <p>A sentence ends at {@code . ! ?} or {@code …} (and the CJK {@code 。！？}), with any closing quotes
 * or brackets, once whitespace and then something other than a lower-case letter follows — so a
 * boundary at the very end of a delta waits for the next delta, since "3." may become "3.5" and
 * "a.m." may go on with "on Monday". A line break also ends one. Common abbreviations ("Dr.",
 * "e.g.") and single initials do not. Text that runs past {@link #maxChars} without a boundary is cut
 * at the last comma, semicolon or space, so one long sentence does not hold back the audio.
 *
 * <p>One per response; not thread-safe.
 */
public final class SentenceSplitter {
    private static final Set<String> ABBREVIATIONS = Set.of(
            "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "a.m", "p.m", "no", "fig",
            "inc", "ltd", "co", "approx", "mt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
            "nov", "dec");
    private static final String CLOSERS = "\"'”’)]}»";

    private final int maxChars;
    private final StringBuilder text = new StringBuilder();
    /** Where to resume scanning: everything before it has no boundary. */
    private int scanned;

    public SentenceSplitter() {
        this(240);
    }

    public SentenceSplitter(int maxChars) {
        this.maxChars = maxChars;
    }

    /** Adds a text delta; returns the sentences it completed (trimmed, never blank), in order. */
    public List<String> add(String delta) {
        text.append(delta);
        List<String> sentences = new ArrayList<>();
        int i = scanned;
        while (i < text.length()) {
            int end = boundaryAt(i);
            if (end == WAIT) {
                break;
            }
            if (end > 0) {
                emit(end, sentences);
                i = 0;
                continue;
            }
            i++;
        }
        scanned = Math.max(0, Math.min(i, text.length()));
        while (text.length() > maxChars) {
            int cut = softCut();
            emit(cut, sentences);
        }
        return sentences;
    }

    /** The rest of the text at the end of the response (null when nothing is left). */
    public String flush() {
        String rest = text.toString().trim();
        text.setLength(0);
        scanned = 0;
        return rest.isEmpty() ? null : rest;
    }

    private static final int WAIT = -1;

    /**
     * 0 when {@code i} is no boundary, the end index (exclusive) of the sentence when it is, or
     * {@link #WAIT} when only more text can tell.
     */
    private int boundaryAt(int i) {
        char c = text.charAt(i);
        if (c == '\n') {
            return i + 1;
        }
        if (c == '。' || c == '！' || c == '？') {
            return i + 1;
        }
        if (c != '.' && c != '!' && c != '?' && c != '…') {
            return 0;
        }
        int end = i + 1;
        while (end < text.length()
                && (text.charAt(end) == '.'
                        || text.charAt(end) == '!'
                        || text.charAt(end) == '?'
                        || CLOSERS.indexOf(text.charAt(end)) >= 0)) {
            end++;
        }
        if (end == text.length()) {
            return WAIT;
        }
        if (!Character.isWhitespace(text.charAt(end))) {
            return 0;
        }
        int next = end;
        while (next < text.length() && Character.isWhitespace(text.charAt(next)) && text.charAt(next) != '\n') {
            next++;
        }
        if (next == text.length()) {
            return WAIT;
        }
        // "a.m. on", "Then… nothing": a lower-case word goes on with the same sentence.
        if (Character.isLowerCase(text.charAt(next))) {
            return 0;
        }
        if (c == '.' && end == i + 1 && abbreviationBefore(i)) {
            return 0;
        }
        return end;
    }

    private boolean abbreviationBefore(int dot) {
        int start = dot;
        while (start > 0 && (Character.isLetter(text.charAt(start - 1)) || text.charAt(start - 1) == '.')) {
            start--;
        }
        String word = text.substring(start, dot).toLowerCase(java.util.Locale.ROOT);
        return (word.length() == 1 && Character.isUpperCase(text.charAt(start))) || ABBREVIATIONS.contains(word);
    }

    private int softCut() {
        for (String mark : new String[] {", ", "; ", ": ", " "}) {
            int at = text.lastIndexOf(mark, maxChars);
            if (at > 0) {
                return at + mark.length();
            }
        }
        return maxChars;
    }

    private void emit(int end, List<String> sentences) {
        String sentence = text.substring(0, end).trim();
        text.delete(0, end);
        scanned = 0;
        if (!sentence.isEmpty()) {
            sentences.add(sentence);
        }
    }
}

package dev.agentvoicebox.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;

import org.junit.jupiter.api.Test;

/** The real pocketsphinx process on flite speech. */
class PocketsphinxEngineTest {
    private final PocketsphinxEngine engine = new PocketsphinxEngine("pocketsphinx_continuous", null,
            Path.of("target", "tmp"), 60_000);

    @Test
    void transcribesFliteSpeechWithTheExpectedWords() throws Exception {
        engine.check();
        String transcript = engine.transcribe(Speech.pcm16k("Hello world. What is the weather today?"), "en", "", Speech.NEVER);
        String lower = transcript.toLowerCase(java.util.Locale.ROOT);
        // Recognition is noisy: two key words are enough.
        assertTrue(lower.contains("hello"), transcript);
        assertTrue(lower.contains("weather"), transcript);
    }

    @Test
    void silenceGivesAnEmptyTranscript() throws Exception {
        assertEquals("", engine.transcribe(new byte[32_000], "", "", Speech.NEVER));
    }

    @Test
    void refusesLanguagesItHasNoModelFor() {
        JobException e = assertThrows(JobException.class, () -> engine.transcribe(new byte[3200], "fr", "", Speech.NEVER));
        assertEquals(JobException.UNSUPPORTED_LANGUAGE, e.code());
    }

    @Test
    void cancellingKillsTheRecogniser() throws Exception {
        byte[] long16k = Speech.pcm16k("This is a long sentence. ".repeat(30));
        AtomicBoolean cancelled = new AtomicBoolean();
        List<Runnable> actions = new ArrayList<>();
        Cancellation cancel = new Cancellation() {
            @Override
            public boolean cancelled() {
                return cancelled.get();
            }

            @Override
            public synchronized void onCancel(Runnable action) {
                actions.add(action);
            }
        };
        Thread canceller = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            cancelled.set(true);
            synchronized (cancel) {
                actions.forEach(Runnable::run);
            }
        });
        String transcript = engine.transcribe(long16k, "en", "", cancel);
        canceller.join();
        assertEquals("", transcript, "a cancelled transcription returns nothing");
        assertEquals(1, actions.size(), "the process registered its kill");
    }

    @Test
    void aMissingBinaryFailsAtStartUp() {
        var missing = new PocketsphinxEngine("/nonexistent/pocketsphinx", null, Path.of("target", "tmp"), 1000);
        assertThrows(IllegalStateException.class, missing::check);
    }
}

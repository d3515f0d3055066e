package dev.agentvoicebox.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.testing.FliteSpeech;
import dev.agentvoicebox.platform.testing.Prerequisites;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real pocketsphinx process on flite speech. */
class PocketsphinxEngineTest {
    private final PocketsphinxEngine engine =
            new PocketsphinxEngine("pocketsphinx_continuous", null, Path.of("target", "tmp"), 60_000);

    @BeforeAll
    static void requirePocketsphinx() {
        Prerequisites.onPath("pocketsphinx_continuous");
    }

    @Test
    void transcribesFliteSpeechWithTheExpectedWords() throws Exception {
        engine.check();
        String transcript = engine.transcribe(
                FliteSpeech.pcm16k("Hello world. What is the weather today?"), "en", "", piece -> {}, Speech.NEVER);
        String lower = transcript.toLowerCase(java.util.Locale.ROOT);
        // Recognition is noisy: two key words are enough.
        assertTrue(lower.contains("hello"), transcript);
        assertTrue(lower.contains("weather"), transcript);
    }

    @Test
    void eachUtteranceComesAsItsOwnPieceAsItIsDecoded() throws Exception {
        byte[] pause = new byte[2 * 16_000 * 2]; // two seconds: pocketsphinx ends an utterance there
        java.io.ByteArrayOutputStream speech = new java.io.ByteArrayOutputStream();
        speech.writeBytes(FliteSpeech.pcm16k("Hello world."));
        speech.writeBytes(pause);
        speech.writeBytes(FliteSpeech.pcm16k("What is the weather today?"));
        List<String> pieces = new ArrayList<>();
        String transcript = engine.transcribe(speech.toByteArray(), "en", "", pieces::add, Speech.NEVER);
        assertEquals(2, pieces.size(), pieces.toString());
        assertEquals(transcript, String.join("", pieces));
        assertTrue(pieces.get(0).toLowerCase(java.util.Locale.ROOT).contains("hello"), pieces.toString());
        assertTrue(pieces.get(1).startsWith(" ") && pieces.get(1).contains("weather"), pieces.toString());
    }

    @Test
    void silenceGivesAnEmptyTranscript() throws Exception {
        assertEquals("", engine.transcribe(new byte[32_000], "", "", piece -> {}, Speech.NEVER));
    }

    @Test
    void refusesLanguagesItHasNoModelFor() {
        JobException e = assertThrows(
                JobException.class, () -> engine.transcribe(new byte[3200], "fr", "", piece -> {}, Speech.NEVER));
        assertEquals(JobException.UNSUPPORTED_LANGUAGE, e.code());
    }

    @Test
    void cancellingKillsTheRecogniser() throws Exception {
        byte[] long16k = FliteSpeech.pcm16k("This is a long sentence. ".repeat(30));
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
        String transcript = engine.transcribe(long16k, "en", "", piece -> {}, cancel);
        canceller.join();
        assertEquals("", transcript, "a cancelled transcription returns nothing");
        assertEquals(1, actions.size(), "the process registered its kill");
    }

    @Test
    void aRecogniserThatRunsPastTheTimeoutIsStopped() throws Exception {
        byte[] long16k = FliteSpeech.pcm16k("This is a long sentence. ".repeat(30));
        var impatient = new PocketsphinxEngine("pocketsphinx_continuous", null, Path.of("target", "tmp"), 300);
        JobException e = assertThrows(
                JobException.class, () -> impatient.transcribe(long16k, "en", "", piece -> {}, Speech.NEVER));
        assertEquals(JobException.TIMEOUT, e.code());
    }

    @Test
    void aMissingBinaryFailsAtStartUp() {
        var missing = new PocketsphinxEngine("/nonexistent/pocketsphinx", null, Path.of("target", "tmp"), 1000);
        assertThrows(IllegalStateException.class, missing::check);
    }
}

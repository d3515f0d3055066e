package dev.agentvoicebox.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Each local engine, for real: non-silent audio of a plausible length, speed honoured, cancel stops it. */
class LocalEnginesTest {
    private static final String SENTENCE = "Hello world, this is a test of the voice.";

    /** espeak-ng and flite come with make tools; without them their tests are skipped (Prerequisites). */
    private static EspeakEngine espeak() {
        Prerequisites.onPath("espeak-ng");
        return new EspeakEngine("espeak-ng", 30_000);
    }

    private static FliteEngine flite() {
        Prerequisites.onPath("flite");
        return new FliteEngine("flite", Path.of("target", "tmp"), 30_000);
    }

    private static void assertSpeech(Audio audio, int expectedRate) {
        assertEquals(expectedRate, audio.rate);
        // Nine words at a conversational pace: between one and a half and five seconds.
        assertTrue(audio.seconds() > 1.5 && audio.seconds() < 5, "duration " + audio.seconds());
        assertTrue(audio.dbfs() > -35, "level " + audio.dbfs() + " dBFS");
    }

    @Test
    void espeakSpeaks() throws Exception {
        EspeakEngine engine = espeak();
        assertTrue(engine.available());
        Audio audio = new Audio();
        engine.synthesize(SENTENCE, "en-us+f3", 1.0, audio, Audio.NEVER);
        assertSpeech(audio, 22050);
        assertTrue(audio.chunks.size() > 10, "streamed in pieces, got " + audio.chunks.size());
    }

    @Test
    void espeakSpeedChangesTheDuration() throws Exception {
        EspeakEngine engine = espeak();
        Audio slow = new Audio();
        Audio fast = new Audio();
        engine.synthesize(SENTENCE, "en-us", 0.5, slow, Audio.NEVER);
        engine.synthesize(SENTENCE, "en-us", 1.5, fast, Audio.NEVER);
        assertTrue(slow.seconds() > 2 * fast.seconds(), slow.seconds() + " vs " + fast.seconds());
        assertEquals(80, EspeakEngine.wordsPerMinute(0.25), "espeak's floor");
    }

    @Test
    void espeakTakesTextThatLooksLikeAnOption() throws Exception {
        Audio audio = new Audio();
        espeak().synthesize("--version is not an option here", "en-us", 1.0, audio, Audio.NEVER);
        assertTrue(audio.seconds() > 1, "spoke it: " + audio.seconds());
    }

    @Test
    void anEspeakThatHangsWithoutWritingIsKilledAtItsTimeout() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "tmp"));
        Path hangs = dir.resolve("espeak-that-hangs.sh");
        Files.writeString(hangs, "#!/bin/sh\nexec sleep 30\n");
        hangs.toFile().setExecutable(true);
        EspeakEngine engine = new EspeakEngine(hangs.toString(), 300);
        JobException e = assertThrows(
                JobException.class, () -> engine.synthesize(SENTENCE, "en-us", 1.0, new Audio(), Audio.NEVER));
        assertEquals(JobException.TIMEOUT, e.code());
    }

    @Test
    void freeTtsSpeaks() throws Exception {
        FreeTtsEngine engine = new FreeTtsEngine();
        assertTrue(engine.available());
        Audio audio = new Audio();
        engine.synthesize(SENTENCE, "kevin16", 1.0, audio, Audio.NEVER);
        assertSpeech(audio, 16000);
        Audio again = new Audio();
        engine.synthesize(SENTENCE, "kevin16", 1.0, again, Audio.NEVER);
        assertEquals(audio.samples, again.samples, 1600, "a pooled voice speaks the same");
        assertThrows(JobException.class, () -> engine.synthesize("x", "nobody", 1.0, new Audio(), Audio.NEVER));
    }

    @Test
    void fliteSpeaks() throws Exception {
        FliteEngine engine = flite();
        assertTrue(engine.available());
        Audio audio = new Audio();
        engine.synthesize(SENTENCE, "slt", 1.0, audio, Audio.NEVER);
        assertSpeech(audio, 16000);
        Audio slow = new Audio();
        engine.synthesize(SENTENCE, "slt", 0.5, slow, Audio.NEVER);
        assertTrue(slow.seconds() > 1.6 * audio.seconds(), slow.seconds() + " vs " + audio.seconds());
    }

    @Test
    void cancellingStopsALongEspeakSynthesisAndItsProcess() throws Exception {
        String longText = "This is a long sentence that keeps going. ".repeat(400);
        Audio.Cancel cancel = new Audio.Cancel();
        Audio audio = new Audio() {
            @Override
            public synchronized void audio(short[] pcm, int sampleRate) {
                super.audio(pcm, sampleRate);
                if (chunks.size() == 3) {
                    cancel.fire();
                }
            }
        };
        espeak().synthesize(longText, "en-us", 1.0, audio, cancel);
        // The full text is about 15 minutes of audio; cancelled after the third 50 ms chunk.
        assertTrue(audio.seconds() < 30, "stopped early: " + audio.seconds() + " s");
        assertTrue(
                ProcessHandle.current()
                        .descendants()
                        .noneMatch(p -> p.info().command().orElse("").contains("espeak")),
                "no espeak process left");
    }

    @Test
    void cancellingStopsFreeTts() throws Exception {
        Audio.Cancel cancel = new Audio.Cancel();
        Audio audio = new Audio() {
            @Override
            public synchronized void audio(short[] pcm, int sampleRate) {
                super.audio(pcm, sampleRate);
                cancel.fire();
            }
        };
        new FreeTtsEngine()
                .synthesize("One sentence. Then another one. And a third, longer one.", "kevin16", 1.0, audio, cancel);
        assertEquals(1, audio.chunks.size(), "nothing after the cancel");
    }
}

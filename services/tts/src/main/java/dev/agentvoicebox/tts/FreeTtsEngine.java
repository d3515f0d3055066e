package dev.agentvoicebox.tts;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.sound.sampled.AudioFormat;

/**
 * FreeTTS ({@code net.sf.sociaal:freetts}), the pure-Java voice: no process, no native code. Its
 * only good voice is {@code kevin16} (16 kHz). A {@link Voice} is not thread-safe and costs about a
 * second to allocate, so allocated voices are pooled per name. Audio arrives through an
 * {@link AudioPlayer} that forwards each write to the sink; once cancelled it refuses writes, which
 * makes FreeTTS abandon the utterance.
 */
final class FreeTtsEngine implements Engine {
    private final Map<String, Queue<Voice>> idle = new ConcurrentHashMap<>();
    private final float baseRate;

    FreeTtsEngine() {
        System.setProperty("freetts.voices", "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory");
        this.baseRate = 150f;
    }

    @Override
    public String name() {
        return "freetts";
    }

    @Override
    public boolean available() {
        return VoiceManager.getInstance().contains("kevin16");
    }

    @Override
    public void synthesize(String text, String voiceName, double speed, Sink sink, Cancellation cancel)
            throws JobException {
        Voice voice = acquire(voiceName);
        try {
            Player player = new Player(sink, cancel);
            voice.setAudioPlayer(player);
            voice.setRate((float) (baseRate * speed));
            cancel.onCancel(player::cancel);
            voice.speak(text);
            if (player.failure != null && !cancel.cancelled()) {
                throw new JobException(JobException.UPSTREAM_ERROR, "The FreeTTS voice failed.");
            }
        } finally {
            idle.computeIfAbsent(voiceName, k -> new ConcurrentLinkedQueue<>()).add(voice);
        }
    }

    private Voice acquire(String name) throws JobException {
        Voice voice =
                idle.computeIfAbsent(name, k -> new ConcurrentLinkedQueue<>()).poll();
        if (voice != null) {
            return voice;
        }
        voice = VoiceManager.getInstance().getVoice(name);
        if (voice == null) {
            throw new JobException(JobException.INVALID_REQUEST, "FreeTTS has no voice '" + name + "'.");
        }
        voice.allocate();
        return voice;
    }

    /** Forwards FreeTTS's audio to a sink instead of a sound card. */
    private static final class Player implements AudioPlayer {
        private final Sink sink;
        private final Cancellation cancel;
        private AudioFormat format = new AudioFormat(16000, 16, 1, true, true);
        private volatile boolean cancelled;
        private volatile RuntimeException failure;
        private float volume = 1f;

        Player(Sink sink, Cancellation cancel) {
            this.sink = sink;
            this.cancel = cancel;
        }

        @Override
        public void setAudioFormat(AudioFormat format) {
            this.format = format;
        }

        @Override
        public AudioFormat getAudioFormat() {
            return format;
        }

        @Override
        public boolean write(byte[] audio) {
            return write(audio, 0, audio.length);
        }

        @Override
        public boolean write(byte[] audio, int offset, int length) {
            if (cancelled || cancel.cancelled()) {
                return false;
            }
            try {
                short[] samples = format.isBigEndian()
                        ? Pcm.fromBigEndian(audio, offset, length)
                        : Pcm.fromLittleEndian(audio, offset, length);
                sink.audio(samples, (int) format.getSampleRate());
                return true;
            } catch (RuntimeException e) {
                failure = e;
                return false;
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public void pause() {}

        @Override
        public void resume() {}

        @Override
        public void reset() {}

        @Override
        public boolean drain() {
            return true;
        }

        @Override
        public void begin(int size) {}

        @Override
        public boolean end() {
            return !cancelled;
        }

        @Override
        public void close() {}

        @Override
        public float getVolume() {
            return volume;
        }

        @Override
        public void setVolume(float volume) {
            this.volume = volume;
        }

        @Override
        public long getTime() {
            return 0;
        }

        @Override
        public void resetTime() {}

        @Override
        public void startFirstSampleTimer() {}

        @Override
        public void showMetrics() {}
    }
}

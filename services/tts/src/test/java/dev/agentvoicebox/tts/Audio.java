package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.Cancellation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Collects an engine's output for assertions. */
class Audio implements Engine.Sink {
    final List<short[]> chunks = new ArrayList<>();
    int rate;
    long samples;

    @Override
    public synchronized void audio(short[] pcm, int sampleRate) {
        chunks.add(pcm);
        rate = sampleRate;
        samples += pcm.length;
    }

    double seconds() {
        return (double) samples / rate;
    }

    /** RMS level of everything, dBFS. */
    synchronized double dbfs() {
        double sum = 0;
        for (short[] c : chunks) {
            for (short s : c) {
                sum += (s / 32768.0) * (s / 32768.0);
            }
        }
        return 10 * Math.log10(sum / Math.max(1, samples) + 1e-12);
    }

    /** A cancellation the test fires by hand; actions registered after firing run at once. */
    static final class Cancel implements Cancellation {
        private final AtomicBoolean fired = new AtomicBoolean();
        private final List<Runnable> actions = new ArrayList<>();

        @Override
        public boolean cancelled() {
            return fired.get();
        }

        @Override
        public void onCancel(Runnable action) {
            synchronized (actions) {
                if (!fired.get()) {
                    actions.add(action);
                    return;
                }
            }
            action.run();
        }

        void fire() {
            List<Runnable> run;
            synchronized (actions) {
                fired.set(true);
                run = List.copyOf(actions);
            }
            run.forEach(Runnable::run);
        }
    }

    static final Cancellation NEVER = new Cancel();
}

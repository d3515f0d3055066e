package dev.agentvoicebox.platform.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    static short[] sine(double hz, double amplitude, int rate, int samples) {
        short[] out = new short[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = (short) Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return out;
    }

    /** Amplitude (0..1 of full scale) of the component at {@code hz}, by the Goertzel algorithm. */
    static double goertzel(short[] signal, int from, int to, double hz, int rate) {
        double w = 2 * Math.PI * hz / rate;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < to; i++) {
            double s = signal[i] / 32768.0 + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * Math.sqrt(power) / (to - from);
    }

    static double rms(short[] signal, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (signal[i] / 32768.0) * (signal[i] / 32768.0);
        }
        return Math.sqrt(sum / (to - from));
    }

    /** Frequency of the strongest component, scanned at 1 Hz steps around {@code near}. */
    static double peak(short[] signal, int from, int to, int rate, double near) {
        double best = 0;
        double bestHz = 0;
        for (double hz = near - 50; hz <= near + 50; hz += 1) {
            double a = goertzel(signal, from, to, hz, rate);
            if (a > best) {
                best = a;
                bestHz = hz;
            }
        }
        return bestHz;
    }

    @Test
    void sineSurvives24kTo16kAndBackInFrequencyLevelAndTime() {
        short[] original = sine(1000, 0.5, 24000, 24000);
        short[] down = Resampler.convert(original, 24000, 16000);
        assertEquals(16000, down.length);
        short[] back = Resampler.convert(down, 16000, 24000);
        assertEquals(24000, back.length);

        // Skip the edges, where the filter sees the silence around the signal.
        int from = 2400;
        int to = 21600;
        assertEquals(1000, peak(down, from * 2 / 3, to * 2 / 3, 16000, 1000), 1.0);
        assertEquals(1000, peak(back, from, to, 24000, 1000), 1.0);
        double level = goertzel(back, from, to, 1000, 24000);
        assertEquals(0.5, level, 0.5 * 0.005, "level within 0.05 dB");
        // Delay is compensated: the round trip is the original, sample by sample, within -50 dB.
        double error = 0;
        for (int i = from; i < to; i++) {
            error = Math.max(error, Math.abs(back[i] - original[i]) / 32768.0);
        }
        assertTrue(error < 0.5 * 0.003, "max sample error " + error);
    }

    @Test
    void speechBandTonesKeepTheirLevelThrough16kAnd8k() {
        for (double hz : new double[] {300, 3000, 6000}) {
            short[] at24 = sine(hz, 0.3, 24000, 24000);
            short[] at16 = Resampler.convert(at24, 24000, 16000);
            assertEquals(0.3, goertzel(at16, 1600, 14400, hz, 16000), 0.3 * 0.012, hz + " Hz at 16 kHz");
        }
        short[] at24 = sine(2000, 0.3, 24000, 24000);
        short[] at8 = Resampler.convert(at24, 24000, 8000);
        assertEquals(8000, at8.length);
        assertEquals(0.3, goertzel(at8, 800, 7200, 2000, 8000), 0.3 * 0.012);
    }

    @Test
    void toneAboveTheNewNyquistIsSuppressedByMoreThan60Db() {
        // 10 kHz at 24 kHz would fold to 6 kHz at 16 kHz; 5 kHz at 16 kHz would fold to 3 kHz at 8 kHz.
        short[] tone = sine(10_000, 0.5, 24000, 24000);
        short[] down = Resampler.convert(tone, 24000, 16000);
        double alias = Math.max(goertzel(down, 1600, 14400, 6000, 16000), rms(down, 1600, 14400) * Math.sqrt(2));
        double db = 20 * Math.log10(alias / 0.5);
        assertTrue(db < -60, "10 kHz → 16 kHz leaks at " + db + " dB");

        short[] tone16 = sine(5_000, 0.5, 16000, 16000);
        short[] at8 = Resampler.convert(tone16, 16000, 8000);
        double db8 = 20 * Math.log10(rms(at8, 800, 7200) * Math.sqrt(2) / 0.5);
        assertTrue(db8 < -60, "5 kHz → 8 kHz leaks at " + db8 + " dB");
    }

    @Test
    void chunkedInputGivesTheSameSamplesAsOneCall() {
        short[] signal = sine(440, 0.4, 22050, 22050);
        short[] whole = Resampler.convert(signal, 22050, 24000);
        assertEquals(24000, whole.length);

        Resampler resampler = new Resampler(22050, 24000);
        short[] chunked = new short[0];
        int at = 0;
        int[] sizes = {1, 7, 441, 1000, 3, 2205};
        for (int i = 0; at < signal.length; i++) {
            int n = Math.min(sizes[i % sizes.length], signal.length - at);
            chunked = concat(chunked, resampler.process(Arrays.copyOfRange(signal, at, at + n)));
            at += n;
        }
        chunked = concat(chunked, resampler.flush());
        assertArrayEquals(whole, chunked);
        assertEquals(440, peak(whole, 2400, 21600, 24000, 440), 1.0);
    }

    @Test
    void sameRateIsACopy() {
        short[] signal = sine(440, 0.4, 16000, 100);
        assertArrayEquals(signal, Resampler.convert(signal, 16000, 16000));
        Resampler identity = new Resampler(8000, 8000);
        assertArrayEquals(signal, identity.process(signal));
    }

    private static short[] concat(short[] a, short[] b) {
        short[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

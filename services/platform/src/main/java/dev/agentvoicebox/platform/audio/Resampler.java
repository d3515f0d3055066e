package dev.agentvoicebox.platform.audio;

import java.util.Arrays;

/**
 * Streaming band-limited sample-rate converter: a rational L/M polyphase filter whose prototype is a
 * Kaiser-windowed sinc (80 dB stopband). It lives in platform because both the gateway (client
 * formats ↔ engine rate) and the tts worker (engine rate → requested rate) convert audio.
 *
 * <p>No Maven Central library fits: the libresample ports are not served there, and Java Sound's
 * float converter interpolates linearly by default (it aliases; 2-3x faster than this) while its
 * windowed-sinc option is 40-55x slower than this ({@code AudioCodecBench} in the gateway's bench
 * sources, 1 s of audio 24 kHz ↔ 16 kHz). The filter is linear-phase and its delay is compensated,
 * so output sample {@code n} is the input signal at time {@code n / outRate}: chunked input gives
 * the same samples as one call, and a flushed stream has exactly
 * {@code ceil(inputSamples * outRate / inRate)} samples.
 *
 * <p>One instance per audio stream; not thread-safe.
 */
public final class Resampler {
    private static final double STOPBAND_DB = 80;
    /** Passband up to 80 % of the lower Nyquist, stopband from 100 %: speech keeps everything below 6.4 kHz at 16 kHz. */
    private static final double PASS_FRACTION = 0.80;

    private final int inRate;
    private final int outRate;
    private final int up;
    private final int down;
    /** Filter taps at the up-sampled rate, centred: {@code taps[half + tau]} for tau in [-half, half]. */
    private final double[] taps;

    private final int half;

    /** Input samples kept: from index {@code base} on. */
    private double[] history = new double[0];

    private int historyLength;
    private long base;
    private long received;
    private long produced;

    public Resampler(int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive: " + inRate + " → " + outRate);
        }
        this.inRate = inRate;
        this.outRate = outRate;
        int g = gcd(inRate, outRate);
        this.up = outRate / g;
        this.down = inRate / g;
        if (up == 1 && down == 1) {
            this.taps = new double[] {1};
            this.half = 0;
            return;
        }
        // Everything is designed at the up-sampled rate up*inRate, normalised to cycles/sample.
        double nyquist = 0.5 / Math.max(up, down);
        double pass = PASS_FRACTION * nyquist;
        double cutoff = (pass + nyquist) / 2;
        double transition = 2 * Math.PI * (nyquist - pass);
        double beta = 0.1102 * (STOPBAND_DB - 8.7);
        int order = (int) Math.ceil((STOPBAND_DB - 8) / (2.285 * transition));
        this.half = order / 2 + 1;
        this.taps = new double[2 * half + 1];
        double i0Beta = besselI0(beta);
        for (int tau = -half; tau <= half; tau++) {
            double x = (double) tau / half;
            double window = besselI0(beta * Math.sqrt(Math.max(0, 1 - x * x))) / i0Beta;
            double sinc = tau == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * tau) / (Math.PI * tau);
            // Gain `up` restores the level lost by zero-stuffing.
            taps[tau + half] = up * sinc * window;
        }
    }

    public int inRate() {
        return inRate;
    }

    public int outRate() {
        return outRate;
    }

    /** Converts one chunk; returns the output samples that are complete so far. */
    public short[] process(short[] input) {
        append(input);
        return drain(false);
    }

    /** Ends the stream: pads with silence and returns the remaining output samples. */
    public short[] flush() {
        return drain(true);
    }

    /** One-shot conversion of a whole signal. */
    public static short[] convert(short[] input, int inRate, int outRate) {
        if (inRate == outRate) {
            return input.clone();
        }
        Resampler resampler = new Resampler(inRate, outRate);
        short[] head = resampler.process(input);
        short[] tail = resampler.flush();
        short[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    private void append(short[] input) {
        if (historyLength + input.length > history.length) {
            history = Arrays.copyOf(history, Math.max(historyLength + input.length, history.length * 2 + 64));
        }
        for (int i = 0; i < input.length; i++) {
            history[historyLength + i] = input[i];
        }
        historyLength += input.length;
        received += input.length;
    }

    private short[] drain(boolean end) {
        long total = end ? ceilDiv(received * up, down) : Long.MAX_VALUE;
        short[] out = new short[(int) Math.max(0, Math.min(total, ceilDiv(received * up, down) + 1) - produced)];
        int count = 0;
        while (produced < total) {
            long centre = produced * down; // position at the up-sampled rate
            long last = Math.floorDiv(centre + half, up); // newest input sample the output needs
            if (!end && last >= received) {
                break;
            }
            long first = Math.floorDiv(centre - half + up - 1, up);
            double sum = 0;
            for (long j = Math.max(first, 0); j <= last && j < received; j++) {
                sum += history[(int) (j - base)] * taps[(int) (centre - j * up) + half];
            }
            if (count == out.length) {
                out = Arrays.copyOf(out, out.length * 2 + 16);
            }
            out[count++] = clip(sum);
            produced++;
        }
        discardBefore(Math.floorDiv(produced * down - half + up - 1, up));
        return count == out.length ? out : Arrays.copyOf(out, count);
    }

    /** Drops input samples no future output can reach. */
    private void discardBefore(long index) {
        long drop = Math.min(index, received) - base;
        if (drop <= 0 || drop < 4096 && drop < historyLength / 2) {
            return;
        }
        System.arraycopy(history, (int) drop, history, 0, historyLength - (int) drop);
        historyLength -= (int) drop;
        base += drop;
    }

    private static short clip(double value) {
        long rounded = Math.round(value);
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, rounded));
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Zeroth-order modified Bessel function of the first kind, by its power series. */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 200; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }
}

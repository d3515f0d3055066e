package dev.agentvoicebox.gateway.bench;

import dev.agentvoicebox.gateway.audio.G711;
import dev.agentvoicebox.platform.audio.Resampler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Our audio code against the JDK's Java Sound, which is what a library would bring here (no resampler
 * or G.711 codec on Maven Central beats it for this use):
 *
 * <ul>
 *   <li>G.711: {@link G711} against {@code AudioSystem.getAudioInputStream} between {@code ULAW}/{@code
 *       ALAW} and {@code PCM_SIGNED}, for a 20 ms frame (what a telephony client sends) and 1 s.
 *   <li>Rate conversion of 1 s of speech-like noise, 24 kHz → 16 kHz (client audio to the engines) and
 *       16 kHz → 24 kHz (speech to the client): {@link Resampler} against Java Sound's float
 *       converter, whose {@code interpolation} property picks its linear default or its windowed sinc.
 * </ul>
 *
 * Ours works on {@code short[]}, Java Sound on little-endian bytes; each side gets its own form ready.
 *
 * <pre>
 * java -cp "$CP" org.openjdk.jmh.Main AudioCodecBench -f 1 -wi 2 -w 1s -i 3 -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Threads(1)
public class AudioCodecBench {
    private static final AudioFormat ULAW = new AudioFormat(AudioFormat.Encoding.ULAW, 8000, 8, 1, 1, 8000, false);
    private static final AudioFormat ALAW = new AudioFormat(AudioFormat.Encoding.ALAW, 8000, 8, 1, 1, 8000, false);
    private static final AudioFormat PCM_8K = new AudioFormat(8000, 16, 1, true, false);

    private static short[] noise(int samples, long seed) {
        Random random = new Random(seed);
        short[] out = new short[samples];
        double level = 0;
        for (int i = 0; i < samples; i++) {
            level = 0.9 * level + 0.1 * random.nextGaussian() * 8000; // low-passed, speech-like spectrum
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, level));
        }
        return out;
    }

    private static byte[] bytes(short[] samples) {
        ByteBuffer buffer = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asShortBuffer().put(samples);
        return buffer.array();
    }

    private static byte[] javaSound(byte[] data, AudioFormat from, AudioFormat to) throws IOException {
        try (AudioInputStream in =
                        new AudioInputStream(new ByteArrayInputStream(data), from, data.length / from.getFrameSize());
                AudioInputStream out = AudioSystem.getAudioInputStream(to, in)) {
            return out.readAllBytes();
        }
    }

    @State(Scope.Benchmark)
    public static class Codec {
        /** 160 samples: one 20 ms frame at 8 kHz; 8000: one second. */
        @Param({"160", "8000"})
        int samples;

        short[] pcm;
        byte[] pcmBytes;
        byte[] ulaw;
        byte[] alaw;

        @Setup
        public void setUp() {
            pcm = noise(samples, 1);
            pcmBytes = bytes(pcm);
            ulaw = G711.encodeUlaw(pcm);
            alaw = G711.encodeAlaw(pcm);
        }
    }

    @Benchmark
    public short[] ulawDecodeOurs(Codec c) {
        return G711.decodeUlaw(c.ulaw);
    }

    @Benchmark
    public byte[] ulawDecodeJavaSound(Codec c) throws IOException {
        return javaSound(c.ulaw, ULAW, PCM_8K);
    }

    @Benchmark
    public byte[] ulawEncodeOurs(Codec c) {
        return G711.encodeUlaw(c.pcm);
    }

    @Benchmark
    public byte[] ulawEncodeJavaSound(Codec c) throws IOException {
        return javaSound(c.pcmBytes, PCM_8K, ULAW);
    }

    @Benchmark
    public short[] alawDecodeOurs(Codec c) {
        return G711.decodeAlaw(c.alaw);
    }

    @Benchmark
    public byte[] alawDecodeJavaSound(Codec c) throws IOException {
        return javaSound(c.alaw, ALAW, PCM_8K);
    }

    @Benchmark
    public byte[] alawEncodeOurs(Codec c) {
        return G711.encodeAlaw(c.pcm);
    }

    @Benchmark
    public byte[] alawEncodeJavaSound(Codec c) throws IOException {
        return javaSound(c.pcmBytes, PCM_8K, ALAW);
    }

    @State(Scope.Benchmark)
    public static class Rates {
        @Param({"24000-16000", "16000-24000"})
        String conversion;

        int inRate;
        int outRate;
        short[] pcm;
        byte[] pcmBytes;
        AudioFormat from;
        AudioFormat toLinear;
        AudioFormat toSinc;

        @Setup
        public void setUp() throws IOException {
            String[] rates = conversion.split("-");
            inRate = Integer.parseInt(rates[0]);
            outRate = Integer.parseInt(rates[1]);
            pcm = noise(inRate, 2);
            pcmBytes = bytes(pcm);
            from = new AudioFormat(inRate, 16, 1, true, false);
            toLinear = to("linear");
            toSinc = to("sinc");
            // Java Sound converts the rate only through its float converter; make sure it did here.
            int expected = outRate * 2;
            for (AudioFormat to : new AudioFormat[] {toLinear, toSinc}) {
                int got = javaSound(pcmBytes, from, to).length;
                if (Math.abs(got - expected) > 64) {
                    throw new IllegalStateException(
                            "Java Sound gave " + got + " bytes for " + conversion + ", not about " + expected);
                }
            }
        }

        private AudioFormat to(String interpolation) {
            return new AudioFormat(
                    AudioFormat.Encoding.PCM_SIGNED,
                    outRate,
                    16,
                    1,
                    2,
                    outRate,
                    false,
                    Map.of("interpolation", interpolation));
        }
    }

    @Benchmark
    public short[] resampleOurs(Rates r) {
        return Resampler.convert(r.pcm, r.inRate, r.outRate);
    }

    @Benchmark
    public byte[] resampleJavaSoundLinear(Rates r) throws IOException {
        return javaSound(r.pcmBytes, r.from, r.toLinear);
    }

    @Benchmark
    public byte[] resampleJavaSoundSinc(Rates r) throws IOException {
        return javaSound(r.pcmBytes, r.from, r.toSinc);
    }
}

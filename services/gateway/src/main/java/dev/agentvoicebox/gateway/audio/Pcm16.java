package dev.agentvoicebox.gateway.audio;

/** 16-bit little-endian PCM bytes ↔ samples, and samples ↔ floats in [-1, 1) for the VAD. */
public final class Pcm16 {
    private Pcm16() {}

    /** @throws IllegalArgumentException for an odd byte count (half a sample) */
    public static short[] fromBytes(byte[] bytes) {
        if ((bytes.length & 1) != 0) {
            throw new IllegalArgumentException("PCM16 needs an even number of bytes, got " + bytes.length);
        }
        short[] samples = new short[bytes.length / 2];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) ((bytes[2 * i] & 0xFF) | (bytes[2 * i + 1] << 8));
        }
        return samples;
    }

    public static byte[] toBytes(short[] samples) {
        byte[] bytes = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            bytes[2 * i] = (byte) samples[i];
            bytes[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return bytes;
    }

    public static float[] toFloats(short[] samples, int from, int length) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = samples[from + i] / 32768f;
        }
        return out;
    }

    /** Milliseconds of audio in {@code samples} at {@code rate}, rounded down. */
    public static long millis(long samples, int rate) {
        return samples * 1000 / rate;
    }
}

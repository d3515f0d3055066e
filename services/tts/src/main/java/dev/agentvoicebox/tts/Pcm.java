package dev.agentvoicebox.tts;

/** PCM16 byte order conversions. */
final class Pcm {
    private Pcm() {}

    static short[] fromLittleEndian(byte[] bytes, int from, int length) {
        short[] out = new short[length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((bytes[from + 2 * i] & 0xFF) | (bytes[from + 2 * i + 1] << 8));
        }
        return out;
    }

    static short[] fromBigEndian(byte[] bytes, int from, int length) {
        short[] out = new short[length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((bytes[from + 2 * i] << 8) | (bytes[from + 2 * i + 1] & 0xFF));
        }
        return out;
    }

    static byte[] toLittleEndian(short[] samples, int from, int length) {
        byte[] out = new byte[length * 2];
        for (int i = 0; i < length; i++) {
            out[2 * i] = (byte) samples[from + i];
            out[2 * i + 1] = (byte) (samples[from + i] >> 8);
        }
        return out;
    }
}

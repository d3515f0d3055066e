package dev.agentvoicebox.tts;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads mono PCM16 WAV as it arrives. Engines writing to a pipe cannot seek back to fill in the
 * sizes, so espeak-ng's header says 0x7FFFFFFF-ish: the data chunk is read to end of stream.
 */
final class WavReader {
    private final InputStream in;
    private int rate;

    WavReader(InputStream in) {
        this.in = in;
    }

    /** Reads the header up to the data chunk; returns the sample rate. */
    int open() throws IOException {
        byte[] riff = in.readNBytes(12);
        if (riff.length < 12 || !new String(riff, 0, 4).equals("RIFF") || !new String(riff, 8, 4).equals("WAVE")) {
            throw new IOException("not a WAV stream");
        }
        while (true) {
            byte[] header = in.readNBytes(8);
            if (header.length < 8) {
                throw new EOFException("WAV without a data chunk");
            }
            String id = new String(header, 0, 4);
            int size =
                    ByteBuffer.wrap(header, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (id.equals("data")) {
                if (rate == 0) {
                    throw new IOException("WAV data before fmt");
                }
                return rate;
            }
            byte[] body = in.readNBytes(size + (size & 1));
            if (id.equals("fmt ")) {
                ByteBuffer fmt = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
                int format = fmt.getShort(0);
                int channels = fmt.getShort(2);
                int bits = fmt.getShort(14);
                if (format != 1 || channels != 1 || bits != 16) {
                    throw new IOException("expected mono PCM16 WAV, got format " + format + ", " + channels
                            + " channels, " + bits + " bits");
                }
                rate = fmt.getInt(4);
            }
        }
    }

    /** Streams the data chunk to {@code sink} in pieces of about {@code chunkBytes}. */
    void stream(Engine.Sink sink, int chunkBytes) throws IOException {
        byte[] buffer = new byte[chunkBytes];
        int held = 0;
        int n;
        while ((n = in.read(buffer, held, buffer.length - held)) > 0) {
            held += n;
            int whole = held & ~1;
            if (whole >= 2) {
                sink.audio(Pcm.fromLittleEndian(buffer, 0, whole), rate);
                System.arraycopy(buffer, whole, buffer, 0, held - whole);
                held -= whole;
            }
        }
    }
}

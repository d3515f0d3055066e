package dev.agentvoicebox.gateway.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

/**
 * Against the G.711 reference values (the tables printed in Sun's g711.c and the ITU-T text), the
 * JDK's own independent μ-law/A-law codecs, and the quantiser's definition for every 16-bit sample.
 */
class G711Test {
    /** μ-law codes 0x00..0x0F and 0x70..0x7F decoded, from the reference table. */
    private static final short[] ULAW_HEAD = {
        -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956, -23932, -22908, -21884, -20860, -19836, -18812,
        -17788, -16764
    };

    private static final short[] ULAW_7X = {
        -120, -112, -104, -96, -88, -80, -72, -64, -56, -48, -40, -32, -24, -16, -8, 0
    };
    /** A-law codes 0x00..0x0F and 0x50..0x5F decoded, from the reference table. */
    private static final short[] ALAW_HEAD = {
        -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736, -7552, -7296, -8064, -7808, -6528, -6272, -7040, -6784
    };

    private static final short[] ALAW_5X = {
        -88, -72, -120, -104, -24, -8, -56, -40, -216, -200, -248, -232, -152, -136, -184, -168
    };

    @Test
    void decodeTablesMatchTheReferenceValues() {
        for (int i = 0; i < 16; i++) {
            assertEquals(ULAW_HEAD[i], G711.ulawToLinear((byte) i), "ulaw 0x0" + Integer.toHexString(i));
            assertEquals(-ULAW_HEAD[i], G711.ulawToLinear((byte) (0x80 + i)), "ulaw 0x8" + Integer.toHexString(i));
            assertEquals(ULAW_7X[i], G711.ulawToLinear((byte) (0x70 + i)));
            assertEquals(ALAW_HEAD[i], G711.alawToLinear((byte) i), "alaw 0x0" + Integer.toHexString(i));
            assertEquals(-ALAW_HEAD[i], G711.alawToLinear((byte) (0x80 + i)));
            assertEquals(ALAW_5X[i], G711.alawToLinear((byte) (0x50 + i)));
        }
        assertEquals(0, G711.ulawToLinear((byte) 0xFF));
        assertEquals(0, G711.ulawToLinear((byte) 0x7F));
        assertEquals(8, G711.alawToLinear((byte) 0xD5));
        assertEquals(-8, G711.alawToLinear((byte) 0x55));
        assertEquals(32256, G711.alawToLinear((byte) 0xAA));
        assertEquals(-32256, G711.alawToLinear((byte) 0x2A));
    }

    @Test
    void fullDecodeTablesMatchTheJdkCodecs() throws Exception {
        byte[] codes = new byte[256];
        for (int i = 0; i < 256; i++) {
            codes[i] = (byte) i;
        }
        assertArrayEquals(jdkDecode(codes, javax.sound.sampled.AudioFormat.Encoding.ULAW), G711.decodeUlaw(codes));
        assertArrayEquals(jdkDecode(codes, javax.sound.sampled.AudioFormat.Encoding.ALAW), G711.decodeAlaw(codes));
    }

    @Test
    void encodeBoundaryValues() {
        // Silence, the smallest steps each side of zero, the clip points and full scale.
        assertEquals((byte) 0xFF, G711.linearToUlaw((short) 0));
        assertEquals((byte) 0x7F, G711.linearToUlaw((short) -1));
        assertEquals((byte) 0xFE, G711.linearToUlaw((short) 8));
        assertEquals((byte) 0x80, G711.linearToUlaw((short) 32124));
        assertEquals((byte) 0x80, G711.linearToUlaw((short) 32635));
        assertEquals((byte) 0x80, G711.linearToUlaw(Short.MAX_VALUE));
        assertEquals((byte) 0x00, G711.linearToUlaw(Short.MIN_VALUE));
        assertEquals((byte) 0xD5, G711.linearToAlaw((short) 0));
        assertEquals((byte) 0x55, G711.linearToAlaw((short) -1));
        assertEquals((byte) 0xD4, G711.linearToAlaw((short) 16));
        assertEquals((byte) 0xAA, G711.linearToAlaw(Short.MAX_VALUE));
        assertEquals((byte) 0x2A, G711.linearToAlaw(Short.MIN_VALUE));
    }

    /**
     * Every 16-bit sample encodes to the code whose quantisation interval holds it: the decoded value
     * (the interval's midpoint) is within half a step, and encoding is monotonic. The JDK's encoders
     * are no reference here: its μ-law overflows below -32503 and its A-law rounds negative samples
     * the other way from the ITU reference's one's complement.
     */
    @Test
    void everySampleEncodesIntoTheIntervalThatHoldsIt() {
        int previousUlaw = Integer.MIN_VALUE;
        int previousAlaw = Integer.MIN_VALUE;
        for (int x = Short.MIN_VALUE; x <= Short.MAX_VALUE; x++) {
            short s = (short) x;
            short u = G711.ulawToLinear(G711.linearToUlaw(s));
            if (Math.abs(x) <= 32635) { // beyond the μ-law clip point everything is the top code
                assertTrue(Math.abs(x - u) <= ulawStep(u) / 2, "ulaw " + x + " -> " + u);
            }
            short a = G711.alawToLinear(G711.linearToAlaw(s));
            // One's complement of negatives shifts their intervals by one LSB.
            assertTrue(Math.abs(x - a) <= alawStep(a) / 2 + (x < 0 ? 1 : 0), "alaw " + x + " -> " + a);
            assertTrue(u >= previousUlaw && a >= previousAlaw, "monotonic at " + x);
            previousUlaw = u;
            previousAlaw = a;
        }
    }

    @Test
    void encodeAgreesWithTheJdkWhereTheJdkFollowsTheReference() throws Exception {
        short[] all = new short[2 * 32503 + 1];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) (i - 32503);
        }
        assertArrayEquals(jdkEncode(all, javax.sound.sampled.AudioFormat.Encoding.ULAW), G711.encodeUlaw(all));
        short[] positive = new short[32768];
        for (int i = 0; i < positive.length; i++) {
            positive[i] = (short) i;
        }
        assertArrayEquals(
                jdkEncode(positive, javax.sound.sampled.AudioFormat.Encoding.ALAW), G711.encodeAlaw(positive));
    }

    private static int ulawStep(int decoded) {
        int magnitude = Math.abs(decoded) + 132;
        int exponent = 31 - Integer.numberOfLeadingZeros(magnitude >> 7);
        return 1 << (exponent + 3);
    }

    private static int alawStep(int decoded) {
        int magnitude = Math.abs(decoded);
        return magnitude < 512 ? 16 : Integer.highestOneBit(magnitude) >> 4;
    }

    @Test
    void decodeThenEncodeIsTheIdentityOnCodes() {
        for (int i = 0; i < 256; i++) {
            byte code = (byte) i;
            assertEquals(code, G711.linearToAlaw(G711.alawToLinear(code)), "alaw " + i);
            // μ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes as 0xFF.
            byte expected = i == 0x7F ? (byte) 0xFF : code;
            assertEquals(expected, G711.linearToUlaw(G711.ulawToLinear(code)), "ulaw " + i);
        }
    }

    private static short[] jdkDecode(byte[] codes, javax.sound.sampled.AudioFormat.Encoding encoding) throws Exception {
        var companded = new javax.sound.sampled.AudioFormat(encoding, 8000, 8, 1, 1, 8000, false);
        var pcm = new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(codes), companded, codes.length);
                AudioInputStream out = AudioSystem.getAudioInputStream(pcm, in)) {
            return Pcm16.fromBytes(out.readAllBytes());
        }
    }

    private static byte[] jdkEncode(short[] samples, javax.sound.sampled.AudioFormat.Encoding encoding)
            throws Exception {
        var pcm = new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false);
        var companded = new javax.sound.sampled.AudioFormat(encoding, 8000, 8, 1, 1, 8000, false);
        byte[] bytes = Pcm16.toBytes(samples);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(bytes), pcm, samples.length);
                AudioInputStream out = AudioSystem.getAudioInputStream(companded, in)) {
            byte[] result = out.readAllBytes();
            return Arrays.copyOf(result, result.length);
        }
    }
}

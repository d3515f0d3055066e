package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * An OPA bundle: a gzipped tar holding {@code /data.json} and {@code /.manifest}. The revision is
 * the SHA-256 of data.json, so identical state gives an identical bundle (and ETag) and OPA's
 * conditional polls cost a 304.
 */
record Bundle(byte[] bytes, String revision) {
    static final String ROOT = "avb/directory";

    static Bundle of(ObjectNode data) {
        byte[] json = Json.canonical(data).getBytes(StandardCharsets.UTF_8);
        String revision = sha256(json).substring(0, 16);
        ObjectNode manifest = Json.object();
        manifest.put("revision", revision);
        manifest.putArray("roots").add(ROOT);
        byte[] manifestBytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            entry(gzip, "/data.json", json);
            entry(gzip, "/.manifest", manifestBytes);
            gzip.write(new byte[1024]); // two zero blocks end a tar archive
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Bundle(out.toByteArray(), revision);
    }

    String etag() {
        return "\"" + revision + "\"";
    }

    /** Whether an If-None-Match value names this bundle (OPA sends the ETag back as it got it). */
    boolean matches(String ifNoneMatch) {
        return etag().equals(ifNoneMatch) || revision.equals(ifNoneMatch);
    }

    /** One ustar entry: a 512-byte header, the content, padding to the next 512 bytes. */
    private static void entry(OutputStream out, String name, byte[] content) throws IOException {
        byte[] header = new byte[512];
        put(header, 0, 100, name);
        put(header, 100, 8, "0000644");
        put(header, 108, 8, "0000000");
        put(header, 116, 8, "0000000");
        put(header, 124, 12, String.format("%011o", content.length));
        put(header, 136, 12, "00000000000"); // mtime 0: the same state makes the same bytes
        header[156] = '0';
        put(header, 257, 6, "ustar");
        put(header, 263, 2, "00");
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, 8, String.format("%06o", sum) + "\0 ");
        out.write(header);
        out.write(content);
        int pad = (512 - content.length % 512) % 512;
        out.write(new byte[pad]);
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}

package dev.agentvoicebox.llm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes GGUF files for tests, in the format llama.cpp reads: little-endian magic "GGUF", version,
 * tensor count, metadata count, then key/values (string key, uint32 type, value). Writes no tensors.
 */
final class GgufWriter {
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private int version = 3;
    private int magic = Gguf.MAGIC;
    private long tensors;

    GgufWriter version(int value) {
        version = value;
        return this;
    }

    GgufWriter magic(int value) {
        magic = value;
        return this;
    }

    GgufWriter tensors(long value) {
        tensors = value;
        return this;
    }

    GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u32(out, magic);
        u32(out, version);
        u64(out, tensors);
        u64(out, metadata.size());
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            string(out, entry.getKey());
            Object value = entry.getValue();
            if (value instanceof String s) {
                u32(out, 8);
                string(out, s);
            } else if (value instanceof Integer i) {
                u32(out, 4); // uint32
                u32(out, i);
            } else if (value instanceof Float f) {
                u32(out, 6);
                u32(out, Float.floatToIntBits(f));
            } else if (value instanceof Boolean b) {
                u32(out, 7);
                out.write(b ? 1 : 0);
            } else if (value instanceof String[] array) {
                u32(out, 9);
                u32(out, 8);
                u64(out, array.length);
                for (String s : array) {
                    string(out, s);
                }
            } else {
                throw new IllegalArgumentException("unsupported value " + value);
            }
        }
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    private static void u32(ByteArrayOutputStream out, int value) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    private static void u64(ByteArrayOutputStream out, long value) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private static void string(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        u64(out, bytes.length);
        out.writeBytes(bytes);
    }
}

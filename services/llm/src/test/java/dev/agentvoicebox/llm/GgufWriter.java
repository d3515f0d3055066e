package dev.agentvoicebox.llm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF files for tests, in the format llama.cpp reads: little-endian magic "GGUF", version,
 * tensor count, metadata count, key/values (string key, uint32 type, value), tensor infos (name,
 * dimensions innermost first, type, offset), then the F32 tensor data, each piece 32-byte aligned.
 */
final class GgufWriter {
    private static final int ALIGNMENT = 32;
    private static final int F32 = 0;

    private record Tensor(String name, long[] dims, float[] data) {}

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensorData = new ArrayList<>();
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

    /** An F32 tensor; {@code dims} innermost first, as GGUF stores them. */
    GgufWriter tensor(String name, float[] data, long... dims) {
        long count = 1;
        for (long dim : dims) {
            count *= dim;
        }
        if (count != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for " + count + " elements");
        }
        tensorData.add(new Tensor(name, dims, data));
        tensors = tensorData.size();
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
            } else if (value instanceof float[] array) {
                u32(out, 9);
                u32(out, 6);
                u64(out, array.length);
                for (float f : array) {
                    u32(out, Float.floatToIntBits(f));
                }
            } else if (value instanceof int[] array) {
                u32(out, 9);
                u32(out, 5); // int32
                u64(out, array.length);
                for (int i : array) {
                    u32(out, i);
                }
            } else {
                throw new IllegalArgumentException("unsupported value " + value);
            }
        }
        long offset = 0;
        for (Tensor tensor : tensorData) {
            string(out, tensor.name());
            u32(out, tensor.dims().length);
            for (long dim : tensor.dims()) {
                u64(out, dim);
            }
            u32(out, F32);
            u64(out, offset);
            offset = aligned(offset + 4L * tensor.data().length);
        }
        if (!tensorData.isEmpty()) {
            pad(out);
            for (Tensor tensor : tensorData) {
                ByteBuffer data = ByteBuffer.allocate(4 * tensor.data().length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(tensor.data());
                out.writeBytes(data.array());
                pad(out);
            }
        }
        return out.toByteArray();
    }

    private static long aligned(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void pad(ByteArrayOutputStream out) {
        out.writeBytes(new byte[(int) (aligned(out.size()) - out.size())]);
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    private static void u32(ByteArrayOutputStream out, int value) {
        out.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(value)
                .array());
    }

    private static void u64(ByteArrayOutputStream out, long value) {
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(value)
                .array());
    }

    private static void string(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        u64(out, bytes.length);
        out.writeBytes(bytes);
    }
}

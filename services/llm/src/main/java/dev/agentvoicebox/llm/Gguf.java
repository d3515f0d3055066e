package dev.agentvoicebox.llm;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and checks the header of a GGUF model file (magic {@code GGUF}, version 2 or 3, tensor and
 * metadata counts, the metadata key/values) before llama.cpp is asked to load it, so a wrong path or
 * a file that is not a model fails at startup with a clear message rather than deep in native code.
 * Array values are skipped, not kept; tensor infos are not read.
 */
final class Gguf {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    private static final long MAX_STRING = 1 << 20;

    record Header(int version, long tensorCount, Map<String, Object> metadata) {
        String architecture() {
            Object value = metadata.get("general.architecture");
            return value == null ? "" : value.toString();
        }
    }

    /** A file that is not a GGUF model llama.cpp could load. */
    static final class InvalidModelException extends Exception {
        InvalidModelException(String message) {
            super(message);
        }
    }

    private Gguf() {}

    static Header read(Path path) throws InvalidModelException {
        if (!Files.isRegularFile(path)) {
            throw new InvalidModelException("model file " + path + " does not exist or is not a file");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
            LittleEndian data = new LittleEndian(in);
            int magic = data.u32();
            if (magic != MAGIC) {
                throw new InvalidModelException("model file " + path + " is not GGUF (bad magic 0x"
                        + Integer.toHexString(magic) + "; expected \"GGUF\")");
            }
            int version = data.u32();
            if (version != 2 && version != 3) {
                throw new InvalidModelException("model file " + path + " has GGUF version " + version
                        + "; only versions 2 and 3 are supported");
            }
            long tensors = data.u64();
            long kvs = data.u64();
            if (tensors < 0 || kvs < 0 || kvs > 1_000_000) {
                throw new InvalidModelException("model file " + path + " has an implausible GGUF header");
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvs; i++) {
                String key = data.string();
                int type = data.u32();
                metadata.put(key, data.value(type));
            }
            return new Header(version, tensors, metadata);
        } catch (EOFException e) {
            throw new InvalidModelException("model file " + path + " is truncated (GGUF header incomplete)");
        } catch (IOException e) {
            throw new InvalidModelException("model file " + path + " cannot be read: " + e.getMessage());
        }
    }

    private static final class LittleEndian {
        private final DataInputStream in;

        LittleEndian(InputStream in) {
            this.in = new DataInputStream(in);
        }

        int u32() throws IOException {
            return Integer.reverseBytes(in.readInt());
        }

        long u64() throws IOException {
            return Long.reverseBytes(in.readLong());
        }

        String string() throws IOException, InvalidModelException {
            long length = u64();
            if (length < 0 || length > MAX_STRING) {
                throw new InvalidModelException("GGUF string of implausible length " + length);
            }
            return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
        }

        Object value(int type) throws IOException, InvalidModelException {
            return switch (type) {
                case 0 -> in.readUnsignedByte();
                case 1 -> (int) in.readByte();
                case 2 -> Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                case 3 -> (int) Short.reverseBytes(in.readShort());
                case 4 -> Integer.toUnsignedLong(u32());
                case 5 -> u32();
                case 6 -> Float.intBitsToFloat(u32());
                case 7 -> in.readUnsignedByte() != 0;
                case 8 -> string();
                case 9 -> {
                    int itemType = u32();
                    long count = u64();
                    if (count < 0 || count > 100_000_000L || itemType == 9) {
                        throw new InvalidModelException("GGUF array of implausible shape");
                    }
                    for (long i = 0; i < count; i++) {
                        value(itemType);
                    }
                    yield "[array of " + count + "]";
                }
                case 10, 11 -> u64();
                case 12 -> Double.longBitsToDouble(u64());
                default -> throw new InvalidModelException("GGUF metadata value of unknown type " + type);
            };
        }
    }
}

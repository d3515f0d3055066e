package dev.agentvoicebox.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF loader. No package ships a real model and writing a loadable llama model by hand is out of
 * reach here, so this checks our own header validation on generated files, and — in a separate JVM,
 * since de.kherud:llama keeps a native thread alive — that llama.cpp reads a valid generated header
 * and the worker turns its refusal into a clear startup error.
 */
class LlamaEngineTest {
    @TempDir
    Path dir;

    private GgufWriter tiny() {
        return new GgufWriter()
                .put("general.architecture", "llama")
                .put("general.name", "tiny-test")
                .put("llama.context_length", 32)
                .put("llama.rope.freq_base", 10000f)
                .put("general.flag", true)
                .put("tokenizer.ggml.tokens", new String[] {"<unk>", "<s>", "</s>"});
    }

    @Test
    void readsAValidHeader() throws Exception {
        Path file = tiny().tensors(0).write(dir.resolve("tiny.gguf"));
        Gguf.Header header = Gguf.read(file);
        assertEquals(3, header.version());
        assertEquals(0, header.tensorCount());
        assertEquals("llama", header.architecture());
        assertEquals("tiny-test", header.metadata().get("general.name"));
        assertEquals(32L, header.metadata().get("llama.context_length"));
        assertEquals(10000f, header.metadata().get("llama.rope.freq_base"));
        assertEquals(true, header.metadata().get("general.flag"));
        assertEquals("[array of 3]", header.metadata().get("tokenizer.ggml.tokens"));
        assertEquals(2, Gguf.read(tiny().version(2).write(dir.resolve("v2.gguf"))).version());
    }

    @Test
    void rejectsFilesThatAreNotGguf() throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "this is not a model at all");
        Gguf.InvalidModelException bad = assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(text));
        assertTrue(bad.getMessage().contains("is not GGUF (bad magic"), bad.getMessage());

        Path v1 = tiny().version(1).write(dir.resolve("v1.gguf"));
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(v1)).getMessage()
                .contains("GGUF version 1; only versions 2 and 3 are supported"));

        byte[] full = tiny().bytes();
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(full, full.length - 7));
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(cut)).getMessage()
                .contains("is truncated"));

        Path missing = dir.resolve("nope.gguf");
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(missing)).getMessage()
                .contains("does not exist"));
    }

    @Test
    void loadRejectsAnInvalidFileBeforeNativeCode() throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "GGUX");
        Gguf.InvalidModelException e = assertThrows(Gguf.InvalidModelException.class,
                () -> LlamaEngine.load(text, 512, 1, 16));
        assertTrue(e.getMessage().contains("is not GGUF"), e.getMessage());
    }

    @Test
    void llamaCppReadsTheHeaderAndRefusesATensorlessModelClearly() throws Exception {
        Path file = tiny().write(dir.resolve("tiny.gguf"));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Files.createDirectories(tmp);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Djava.io.tmpdir=" + tmp,
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), LlamaLoadProbe.class.getName(), file.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe did not end");
        assertEquals(3, process.exitValue(), output);
        assertTrue(output.contains("INVALID llama.cpp could not load model file " + file), output);
        // llama.cpp itself parsed our header: it lists the key/values it read.
        assertTrue(output.contains("loaded meta data with 6 key-value pairs and 0 tensors"), output);
        assertTrue(new File(tmp.toFile(), "libjllama.so").exists() || !System.getProperty("os.name").contains("Linux"),
                "native library unpacked under target/");
    }
}

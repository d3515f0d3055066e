package dev.agentvoicebox.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF loader and llama.cpp generation. No package ships a trained model, so the files are
 * generated: headers for our own validation, and {@link TinyLlama}, a real random-weight model, for
 * generation. llama.cpp runs in a separate JVM, since de.kherud:llama keeps a native thread alive.
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
        assertEquals(
                2, Gguf.read(tiny().version(2).write(dir.resolve("v2.gguf"))).version());
    }

    @Test
    void rejectsFilesThatAreNotGguf() throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "this is not a model at all");
        Gguf.InvalidModelException bad = assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(text));
        assertTrue(bad.getMessage().contains("is not GGUF (bad magic"), bad.getMessage());

        Path v1 = tiny().version(1).write(dir.resolve("v1.gguf"));
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(v1))
                .getMessage()
                .contains("GGUF version 1; only versions 2 and 3 are supported"));

        byte[] full = tiny().bytes();
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(full, full.length - 7));
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(cut))
                .getMessage()
                .contains("is truncated"));

        Path missing = dir.resolve("nope.gguf");
        assertTrue(assertThrows(Gguf.InvalidModelException.class, () -> Gguf.read(missing))
                .getMessage()
                .contains("does not exist"));
    }

    @Test
    void loadRejectsAnInvalidFileBeforeNativeCode() throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "GGUX");
        Gguf.InvalidModelException e =
                assertThrows(Gguf.InvalidModelException.class, () -> LlamaEngine.load(text, 512, 1, 16));
        assertTrue(e.getMessage().contains("is not GGUF"), e.getMessage());
    }

    /** Runs {@link LlamaLoadProbe} in its own JVM; returns its exit code and output. */
    private static Map.Entry<Integer, String> probe(String... args) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Files.createDirectories(tmp);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Djava.io.tmpdir=" + tmp,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                LlamaLoadProbe.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe did not end");
        return Map.entry(process.exitValue(), output);
    }

    @Test
    void llamaCppGeneratesFromALoadedModelStreamingAndStopping() throws Exception {
        Path file = TinyLlama.write(dir.resolve("tiny-llama.gguf"));
        Map.Entry<Integer, String> run = probe(file.toString(), "generate");
        String output = run.getValue();
        assertEquals(0, run.getKey(), output);
        assertTrue(output.contains("LOADED " + TinyLlama.NAME), output);
        Matcher first = RUN.matcher(output);
        assertTrue(first.find(), output);
        assertEquals("12", first.group(1), "one streamed piece per token: " + output);
        assertEquals("length", first.group(2), "stopped by max_output_tokens: " + output);
        assertTrue(Integer.parseInt(first.group(3)) > 10, "the templated prompt's tokens are counted: " + output);
        assertEquals("12", first.group(4));
        assertEquals(TinyLlama.NAME, first.group(5));
        assertFalse(first.group(6).equals("\"\""), "text came out: " + output);
        String text = first.group(6);
        assertTrue(first.find(), output);
        assertEquals(text, first.group(6), "temperature 0 is greedy, so the same prompt gives the same text");

        Matcher cancelled =
                Pattern.compile("CANCELLED pieces=(\\d+) output=(\\d+)").matcher(output);
        assertTrue(cancelled.find(), output);
        assertEquals("3", cancelled.group(1), "nothing forwarded after the cancel");
        assertTrue(Integer.parseInt(cancelled.group(2)) < 400, "generation stopped early: " + output);
    }

    private static final Pattern RUN =
            Pattern.compile("RUN \\d pieces=(\\d+) finish=(\\w+) input=(\\d+) output=(\\d+) model=(\\S+) text=(.*)");

    @Test
    void llamaCppReadsTheHeaderAndRefusesATensorlessModelClearly() throws Exception {
        Path file = tiny().write(dir.resolve("tiny.gguf"));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Map.Entry<Integer, String> run = probe(file.toString());
        String output = run.getValue();
        assertEquals(3, run.getKey(), output);
        assertTrue(output.contains("INVALID llama.cpp could not load model file " + file), output);
        // llama.cpp itself parsed our header: it lists the key/values it read.
        assertTrue(output.contains("loaded meta data with 6 key-value pairs and 0 tensors"), output);
        assertTrue(
                new File(tmp.toFile(), "libjllama.so").exists()
                        || !System.getProperty("os.name").contains("Linux"),
                "native library unpacked under target/");
    }
}

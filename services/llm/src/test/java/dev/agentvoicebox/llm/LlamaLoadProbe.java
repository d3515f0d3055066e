package dev.agentvoicebox.llm;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in its own JVM by {@link LlamaEngineTest}: loads a model file through {@link LlamaEngine#load}
 * and prints the outcome. de.kherud:llama leaves a native thread behind, so this process ends with halt.
 */
public final class LlamaLoadProbe {
    private LlamaLoadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        int code;
        try (LlamaEngine engine = LlamaEngine.load(Path.of(args[0]), 512, 1, 16)) {
            System.out.println("LOADED " + engine.defaultModel());
            code = 0;
        } catch (Gguf.InvalidModelException e) {
            System.out.println("INVALID " + e.getMessage());
            code = 3;
        }
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }
}

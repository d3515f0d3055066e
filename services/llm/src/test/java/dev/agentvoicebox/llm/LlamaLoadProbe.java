package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in its own JVM by {@link LlamaEngineTest}: loads a model file through {@link LlamaEngine#load}
 * and prints the outcome; with {@code generate}, also streams two completions, the second cancelled
 * after three pieces. de.kherud:llama leaves a native thread behind, so this process ends with halt.
 */
public final class LlamaLoadProbe {
    private LlamaLoadProbe() {}

    public static void main(String[] args) throws Exception {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        int code;
        try (LlamaEngine engine = LlamaEngine.load(Path.of(args[0]), 512, 1, 16)) {
            System.out.println("LOADED " + engine.defaultModel());
            if (args.length > 1 && args[1].equals("generate")) {
                generate(engine);
            }
            code = 0;
        } catch (Gguf.InvalidModelException e) {
            System.out.println("INVALID " + e.getMessage());
            code = 3;
        }
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }

    private static void generate(LlamaEngine engine) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode request = (ObjectNode) json.readTree("""
                {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}],
                 "max_output_tokens":12,"temperature":0}""");
        for (int run = 1; run <= 2; run++) {
            Recorder out = new Recorder();
            Engine.Completion done = engine.stream(request, out, out);
            System.out.println("RUN " + run + " pieces=" + out.pieces.size() + " finish=" + done.finishReason()
                    + " input=" + done.inputTokens() + " output=" + done.outputTokens() + " model=" + done.model()
                    + " text=" + json.writeValueAsString(out.text()));
        }

        request.put("max_output_tokens", 400);
        Recorder cancelled = new Recorder();
        Engine.Output cancelAfterThree = new Engine.Output() {
            @Override
            public void text(String delta) {
                cancelled.text(delta);
                if (cancelled.pieces.size() == 3) {
                    cancelled.cancel();
                }
            }

            @Override
            public void toolCall(int index, String name, String arguments) {
                cancelled.toolCall(index, name, arguments);
            }

            @Override
            public boolean forwardedAny() {
                return cancelled.forwardedAny();
            }
        };
        Engine.Completion stopped = engine.stream(request, cancelAfterThree, cancelled);
        System.out.println("CANCELLED pieces=" + cancelled.pieces.size() + " output=" + stopped.outputTokens());
    }
}

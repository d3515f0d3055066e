package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import de.kherud.llama.args.LogFormat;
import dev.agentvoicebox.platform.JobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * llama.cpp in-process through {@code de.kherud:llama}, for a local GGUF model loaded once at startup.
 * The conversation is rendered with the model's own chat template and tokens stream as
 * {@code llm.text.delta}. Tools are not offered to the model: tool definitions are ignored, earlier
 * tool calls and tool results are rendered into the conversation as plain text, and this engine never
 * emits {@code llm.tool_call.delta}.
 *
 * <p>de.kherud:llama leaves a native thread running after {@link #close()}, so a process that loaded
 * it must end with {@code System.exit}/{@code Runtime.halt} (Main does).
 */
final class LlamaEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(LlamaEngine.class.getName());

    private final LlamaModel model;
    private final String modelId;
    private final int defaultMaxTokens;

    private LlamaEngine(LlamaModel model, String modelId, int defaultMaxTokens) {
        this.model = model;
        this.modelId = modelId;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    /** Checks the file's GGUF header, then loads it; either failure is a clear startup error. */
    static LlamaEngine load(Path path, int contextSize, int threads, int defaultMaxTokens)
            throws Gguf.InvalidModelException {
        Gguf.Header header = Gguf.read(path);
        LOG.info(() -> "loading GGUF v" + header.version() + " model " + path.getFileName() + " (architecture "
                + header.architecture() + ", " + header.tensorCount() + " tensors)");
        try {
            LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> LOG.fine(() -> "llama.cpp: " + message.strip()));
            ModelParameters parameters = new ModelParameters()
                    .setModel(path.toAbsolutePath().toString())
                    .setCtxSize(contextSize);
            if (threads > 0) {
                parameters.setThreads(threads);
            }
            LlamaModel model = new LlamaModel(parameters);
            Object name = header.metadata().get("general.name");
            String id = name == null ? path.getFileName().toString() : name.toString();
            return new LlamaEngine(model, id, defaultMaxTokens);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new Gguf.InvalidModelException("llama.cpp could not load model file " + path + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return "llama.cpp";
    }

    @Override
    public String defaultModel() {
        return modelId;
    }

    @Override
    public Completion stream(ObjectNode request, Output output, Cancellation cancellation) throws JobException {
        JsonNode messages = Engine.messages(request);
        StringBuilder system = new StringBuilder();
        List<Pair<String, String>> turns = new ArrayList<>();
        for (JsonNode message : messages) {
            String role = message.path("role").asText();
            String text = ScriptedEngine.contentText(message.path("content"));
            switch (role) {
                case "system", "developer" ->
                    system.append(system.isEmpty() ? "" : "\n").append(text);
                case "assistant" -> {
                    StringBuilder said = new StringBuilder(text);
                    for (JsonNode call : message.path("tool_calls")) {
                        said.append(said.isEmpty() ? "" : "\n")
                                .append("(called tool ")
                                .append(call.path("function").path("name").asText())
                                .append(" with ")
                                .append(call.path("function").path("arguments").asText())
                                .append(')');
                    }
                    turns.add(new Pair<>("assistant", said.toString()));
                }
                case "tool" -> turns.add(new Pair<>("user", "Tool result: " + text));
                default -> turns.add(new Pair<>("user", text));
            }
        }
        int maxTokens = request.path("max_output_tokens").asInt(0) > 0
                ? request.path("max_output_tokens").asInt()
                : defaultMaxTokens;
        InferenceParameters parameters =
                new InferenceParameters("").setMessages(system.isEmpty() ? null : system.toString(), turns);
        String prompt;
        try {
            prompt = model.applyTemplate(parameters);
        } catch (RuntimeException e) {
            throw new JobException(JobException.INVALID_REQUEST, "the model's chat template rejected the conversation");
        }
        InferenceParameters generation = new InferenceParameters(prompt).setNPredict(maxTokens);
        if (request.path("temperature").isNumber()) {
            generation.setTemperature((float) request.path("temperature").asDouble());
        }
        long inputTokens = model.encode(prompt).length;
        long outputTokens = 0;
        LlamaIterator iterator = model.generate(generation).iterator();
        cancellation.onCancel(iterator::cancel);
        try {
            while (!cancellation.cancelled() && iterator.hasNext()) {
                LlamaOutput piece = iterator.next();
                // One piece per generated token, plus a closing one without text; a token that ends
                // inside a UTF-8 character comes out with the next, so the count can run short there.
                if (!piece.text.isEmpty()) {
                    outputTokens++;
                    if (!cancellation.cancelled()) {
                        output.text(piece.text);
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new JobException(JobException.UPSTREAM_ERROR, "local model failed while generating");
        }
        String finish = outputTokens >= maxTokens ? "length" : "stop";
        return new Completion(finish, modelId, inputTokens, outputTokens);
    }

    @Override
    public void close() {
        model.close();
    }
}

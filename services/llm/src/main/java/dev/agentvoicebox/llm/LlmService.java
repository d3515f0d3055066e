package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.Health;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.OpenAiHttp;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.WorkerService;
import dev.agentvoicebox.protocol.Streams;
import io.helidon.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * The worker's object graph: settings → engine → Redis → job consumer → health server. {@link Main}
 * starts one; tests start one in-process.
 */
final class LlmService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LlmService.class.getName());

    private final WorkerService worker;
    private final Engine engine;
    private final ScheduledExecutorService timer;

    private LlmService(WorkerService worker, Engine engine, ScheduledExecutorService timer) {
        this.worker = worker;
        this.engine = engine;
        this.timer = timer;
    }

    /**
     * @param environment where {@code api-key-env} names are looked up
     * @throws Gguf.InvalidModelException when {@code AVB_LLM_MODEL} names a file llama.cpp cannot load
     */
    static LlmService start(Settings settings, Map<String, String> environment) throws Gguf.InvalidModelException {
        ObjectMapper json = new ObjectMapper();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("llm-timer").factory());
        Engine engine = engine(settings, environment, json, timer);
        LOG.info(() -> "llm engine: " + engine.name() + " (default model " + engine.defaultModel() + ")");
        WorkerService worker = WorkerService.start(
                settings,
                new WorkerService.Spec("llm", Streams.LLM_JOBS, Streams.LLM_GROUP, 32, 8501),
                Health::observe,
                routing -> {},
                context -> new LlmWorker(engine, context.publisher(), json, context.tracer()));
        return new LlmService(worker, engine, timer);
    }

    static Engine engine(
            Settings settings, Map<String, String> environment, ObjectMapper json, ScheduledExecutorService timer)
            throws Gguf.InvalidModelException {
        String choice = settings.get("AVB_LLM_ENGINE", "app.llm.engine", "auto");
        String modelPath = settings.get("AVB_LLM_MODEL", "app.llm.model-path", "");
        List<OpenAiEngine.Provider> providers = providers(settings, environment);
        if (choice.equals("llama") || (choice.equals("auto") && !modelPath.isEmpty())) {
            if (modelPath.isEmpty()) {
                throw new Gguf.InvalidModelException("AVB_LLM_ENGINE=llama needs AVB_LLM_MODEL (a GGUF file path)");
            }
            return LlamaEngine.load(
                    Path.of(modelPath),
                    settings.getInt("AVB_LLM_CONTEXT", "app.llm.context-size", 4096),
                    settings.getInt("AVB_LLM_THREADS", "app.llm.threads", 0),
                    settings.getInt("AVB_LLM_MAX_TOKENS", "app.llm.max-tokens", 512));
        }
        if (choice.equals("openai") || (choice.equals("auto") && !providers.isEmpty())) {
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("AVB_LLM_ENGINE=openai needs AVB_LLM_BASE_URL or app.llm.providers");
            }
            Duration timeout = Duration.ofMillis(settings.getLong("AVB_LLM_TIMEOUT_MS", "app.llm.timeout-ms", 30_000));
            Duration openFor =
                    Duration.ofMillis(settings.getLong("AVB_LLM_BREAKER_OPEN_MS", "app.llm.breaker-open-ms", 30_000));
            return new OpenAiEngine(
                    providers,
                    OpenAiHttp.client(timeout),
                    json,
                    timeout,
                    OpenAiEngine.breakerConfig(openFor, Clock.systemUTC()),
                    timer);
        }
        return new ScriptedEngine(json, settings.getLong("AVB_LLM_SCRIPTED_DELAY_MS", "app.llm.scripted-delay-ms", 30));
    }

    /** {@code AVB_LLM_BASE_URL} first (if set), then {@code app.llm.providers} in order. */
    static List<OpenAiEngine.Provider> providers(Settings settings, Map<String, String> environment) {
        List<OpenAiEngine.Provider> providers = new ArrayList<>();
        settings.find("AVB_LLM_BASE_URL", "app.llm.base-url")
                .ifPresent(base -> providers.add(new OpenAiEngine.Provider(
                        "env",
                        base,
                        environment.getOrDefault("AVB_LLM_API_KEY", ""),
                        settings.get("AVB_LLM_MODEL_NAME", "app.llm.model-name", ""),
                        settings.get("AVB_LLM_MAX_TOKENS_PARAM", "app.llm.max-tokens-param", ""))));
        for (Config node :
                settings.config().get("app.llm.providers").asNodeList().orElse(List.of())) {
            String name = node.get("name").asString().orElse("provider-" + (providers.size() + 1));
            String base = node.get("base-url")
                    .asString()
                    .orElseThrow(
                            () -> new IllegalArgumentException("app.llm.providers entry " + name + " has no base-url"));
            String key = node.get("api-key-env")
                    .asString()
                    .map(k -> environment.getOrDefault(k, ""))
                    .orElse("");
            providers.add(new OpenAiEngine.Provider(
                    name,
                    base,
                    key,
                    node.get("model").asString().orElse(""),
                    node.get("max-tokens-param").asString().orElse("")));
        }
        return providers;
    }

    int port() {
        return worker.port();
    }

    JobConsumer consumer() {
        return worker.consumer();
    }

    Engine engineForTest() {
        return engine;
    }

    /** True when the process must end with halt: llama.cpp leaves a native thread behind. */
    boolean needsHalt() {
        return engine instanceof LlamaEngine;
    }

    @Override
    public void close() {
        worker.close();
        engine.close();
        timer.shutdownNow();
    }
}

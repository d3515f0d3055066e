package dev.agentvoicebox.llm;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentvoicebox.platform.Health;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.OpenAiHttp;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.protocol.Streams;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

/**
 * The worker's object graph: settings → engine → Redis → job consumer → health server. {@link Main}
 * starts one; tests start one in-process.
 */
final class LlmService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LlmService.class.getName());

    private final Telemetry telemetry;
    private final Engine engine;
    private final ScheduledExecutorService timer;
    private final RedisConnections redis;
    private final JobConsumer consumer;
    private final WebServer server;

    private LlmService(Telemetry telemetry, Engine engine, ScheduledExecutorService timer, RedisConnections redis,
                       JobConsumer consumer, WebServer server) {
        this.telemetry = telemetry;
        this.engine = engine;
        this.timer = timer;
        this.redis = redis;
        this.consumer = consumer;
        this.server = server;
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
        Telemetry telemetry = Telemetry.start("llm");
        RedisConnections redis = new RedisConnections(settings.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"));
        String workerId = settings.get("AVB_WORKER_ID", "app.worker-id", defaultWorkerId());
        JobConsumer.Options options = JobConsumer.Options.defaults()
                .withConcurrency(settings.getInt("AVB_LLM_CONCURRENCY", "app.llm.concurrency", 32))
                .withShutdownGrace(Duration.ofMillis(settings.getLong("AVB_LLM_SHUTDOWN_GRACE_MS", "app.llm.shutdown-grace-ms", 10_000)));
        LlmWorker worker = new LlmWorker(engine, new StreamPublisher(redis.shared()), json, telemetry.tracer());
        JobConsumer consumer = new JobConsumer(redis, Streams.LLM_JOBS, Streams.LLM_GROUP, workerId, worker, null, options);
        consumer.start();

        Config config = settings.config();
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .host(settings.get("AVB_LLM_HOST", "server.host", "127.0.0.1"))
                .port(settings.getInt("AVB_LLM_PORT", "server.port", 8501))
                .featuresDiscoverServices(false)
                .addFeature(Health.observe(redis))
                .build()
                .start();
        LOG.info(() -> "llm worker " + workerId + " health on http://" + server.prototype().host() + ":" + server.port()
                + "/observe/health");
        return new LlmService(telemetry, engine, timer, redis, consumer, server);
    }

    static Engine engine(Settings settings, Map<String, String> environment, ObjectMapper json,
                         ScheduledExecutorService timer) throws Gguf.InvalidModelException {
        String choice = settings.get("AVB_LLM_ENGINE", "app.llm.engine", "auto");
        String modelPath = settings.get("AVB_LLM_MODEL", "app.llm.model-path", "");
        List<OpenAiEngine.Provider> providers = providers(settings, environment);
        if (choice.equals("llama") || (choice.equals("auto") && !modelPath.isEmpty())) {
            if (modelPath.isEmpty()) {
                throw new Gguf.InvalidModelException("AVB_LLM_ENGINE=llama needs AVB_LLM_MODEL (a GGUF file path)");
            }
            return LlamaEngine.load(Path.of(modelPath),
                    settings.getInt("AVB_LLM_CONTEXT", "app.llm.context-size", 4096),
                    settings.getInt("AVB_LLM_THREADS", "app.llm.threads", 0),
                    settings.getInt("AVB_LLM_MAX_TOKENS", "app.llm.max-tokens", 512));
        }
        if (choice.equals("openai") || (choice.equals("auto") && !providers.isEmpty())) {
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("AVB_LLM_ENGINE=openai needs AVB_LLM_BASE_URL or app.llm.providers");
            }
            Duration timeout = Duration.ofMillis(settings.getLong("AVB_LLM_TIMEOUT_MS", "app.llm.timeout-ms", 30_000));
            Duration openFor = Duration.ofMillis(settings.getLong("AVB_LLM_BREAKER_OPEN_MS", "app.llm.breaker-open-ms", 30_000));
            return new OpenAiEngine(providers, OpenAiHttp.client(timeout), json, timeout, OpenAiEngine.breakerConfig(openFor, Clock.systemUTC()), timer);
        }
        return new ScriptedEngine(json, settings.getLong("AVB_LLM_SCRIPTED_DELAY_MS", "app.llm.scripted-delay-ms", 30));
    }

    /** {@code AVB_LLM_BASE_URL} first (if set), then {@code app.llm.providers} in order. */
    static List<OpenAiEngine.Provider> providers(Settings settings, Map<String, String> environment) {
        List<OpenAiEngine.Provider> providers = new ArrayList<>();
        settings.find("AVB_LLM_BASE_URL", "app.llm.base-url").ifPresent(base -> providers.add(new OpenAiEngine.Provider(
                "env", base, environment.getOrDefault("AVB_LLM_API_KEY", ""),
                settings.get("AVB_LLM_MODEL_NAME", "app.llm.model-name", ""),
                settings.get("AVB_LLM_MAX_TOKENS_PARAM", "app.llm.max-tokens-param", ""))));
        for (Config node : settings.config().get("app.llm.providers").asNodeList().orElse(List.of())) {
            String name = node.get("name").asString().orElse("provider-" + (providers.size() + 1));
            String base = node.get("base-url").asString().orElseThrow(
                    () -> new IllegalArgumentException("app.llm.providers entry " + name + " has no base-url"));
            String key = node.get("api-key-env").asString().map(k -> environment.getOrDefault(k, "")).orElse("");
            providers.add(new OpenAiEngine.Provider(name, base, key, node.get("model").asString().orElse(""),
                    node.get("max-tokens-param").asString().orElse("")));
        }
        return providers;
    }

    private static String defaultWorkerId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "local");
        return "llm-" + host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    int port() {
        return server.port();
    }

    JobConsumer consumer() {
        return consumer;
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
        consumer.close();
        server.stop();
        redis.close();
        engine.close();
        timer.shutdownNow();
        telemetry.close();
    }
}

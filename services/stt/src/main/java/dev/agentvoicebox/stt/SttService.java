package dev.agentvoicebox.stt;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.Health;
import dev.agentvoicebox.platform.OpenAiHttp;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.WorkerService;
import dev.agentvoicebox.protocol.Streams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;

/** The worker's object graph: settings → engine → the worker runtime (Redis, job consumer, health). */
final class SttService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SttService.class.getName());

    private final WorkerService worker;
    private final Engine engine;

    private SttService(WorkerService worker, Engine engine) {
        this.worker = worker;
        this.engine = engine;
    }

    /** @param environment where the API key is read ({@code AVB_STT_API_KEY}) */
    static SttService start(Settings settings, Map<String, String> environment) {
        ObjectMapper json = new ObjectMapper();
        Engine engine = engine(settings, environment, json);
        LOG.info(() -> "stt engine: " + engine.name()
                + (engine instanceof OpenAiEngine o ? " (model " + o.model() + ")" : ""));
        WorkerService worker = WorkerService.start(
                settings,
                new WorkerService.Spec("stt", Streams.STT_JOBS, Streams.STT_GROUP, 4, 8502),
                redis -> Health.observe(redis, "stt", Map.of("engine", engine.name())),
                routing -> {},
                context -> new SttWorker(engine, context.redis(), context.publisher(), json, context.tracer()));
        return new SttService(worker, engine);
    }

    static Engine engine(Settings settings, Map<String, String> environment, ObjectMapper json) {
        String choice = settings.get("AVB_STT_ENGINE", "app.stt.engine", "auto");
        var baseUrl = settings.find("AVB_STT_BASE_URL", "app.stt.base-url");
        long timeoutMs = settings.getLong("AVB_STT_TIMEOUT_MS", "app.stt.timeout-ms", 30_000);
        if (choice.equals("openai") || (choice.equals("auto") && baseUrl.isPresent())) {
            String base = baseUrl.orElseThrow(
                    () -> new IllegalArgumentException("AVB_STT_ENGINE=openai needs AVB_STT_BASE_URL"));
            Duration timeout = Duration.ofMillis(timeoutMs);
            return new OpenAiEngine(
                    OpenAiHttp.client(timeout),
                    json,
                    base,
                    environment.getOrDefault("AVB_STT_API_KEY", ""),
                    settings.get("AVB_STT_MODEL", "app.stt.model", "whisper-1"),
                    settings.get("AVB_STT_STREAM", "app.stt.stream", "auto"),
                    timeout);
        }
        if (!choice.equals("auto") && !choice.equals("pocketsphinx")) {
            throw new IllegalArgumentException("AVB_STT_ENGINE must be auto, pocketsphinx or openai, got " + choice);
        }
        String modelDir = settings.get("AVB_POCKETSPHINX_MODEL_DIR", "app.stt.pocketsphinx.model-dir", "");
        PocketsphinxEngine pocketsphinx = new PocketsphinxEngine(
                settings.get("AVB_POCKETSPHINX_BIN", "app.stt.pocketsphinx.binary", "pocketsphinx_continuous"),
                modelDir.isEmpty() ? null : Path.of(modelDir),
                Path.of(System.getProperty("java.io.tmpdir")),
                timeoutMs);
        pocketsphinx.check();
        return pocketsphinx;
    }

    int port() {
        return worker.port();
    }

    Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        worker.close();
    }
}
